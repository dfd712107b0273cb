"""A stored header row decodes into a StatementHeader once, and encodes back to the same row."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pandas as pd

from chargeback.stored import ClusterCompleteness, DiffRow, StatementHeader

COMPLETENESS = {"ocp-a": {"collected_hours": 700, "complete": False, "expected_hours": 720, "failed_runs": 1,
                          "node_hours": 720, "ratio": 0.9722}}
ROW = {"month": "2026-09", "version": 2.0, "model": "pools", "mode": "showback", "status": "closed",
       "price_list_version": "2026.1+2026.2", "price_list_digest": "p", "facts_digest": "f", "currency": "USD",
       "total_amount": Decimal("10.50"), "computed_at": pd.Timestamp("2026-10-01 12:00:00.250"),
       "closed_at": pd.NaT, "supersedes_version": 1.0, "reason": "late logs",
       "diff": json.dumps([{"sector_id": "CTI", "cluster_id": "c", "namespace": "n", "cost_type": "cpu",
                            "old": "1.00", "new": "2.50", "change": "1.50"}]),
       "completeness": json.dumps(COMPLETENESS, sort_keys=True)}


def test_a_row_decodes_into_typed_values() -> None:
    header = StatementHeader.from_row(ROW)
    assert (header.version, header.supersedes_version, header.closed_at) == (2, 1, None)
    assert type(header.version) is int and header.showback
    assert header.computed_at == datetime(2026, 10, 1, 12, 0, 0, 250000) and type(header.computed_at) is datetime
    assert header.completeness == {"ocp-a": ClusterCompleteness(720, 700, 720, 1, 0.9722, False)}
    assert header.diff == (DiffRow("CTI", "cpu", Decimal("1.00"), Decimal("2.50"), Decimal("1.50"), "c", "n"),)


def test_a_header_encodes_back_to_its_row() -> None:
    row = StatementHeader.from_row(ROW).row()
    assert row["completeness"] == ROW["completeness"] and row["diff"] == ROW["diff"]
    assert StatementHeader.from_row(row) == StatementHeader.from_row(ROW)
    plain = StatementHeader.from_row(ROW).as_dict()
    assert list(plain) == list(ROW) and plain["completeness"] == COMPLETENESS
    assert plain["diff"] == json.loads(str(ROW["diff"]))


def test_a_first_version_and_a_difference_stored_before_namespaces_were_diffed() -> None:
    first = StatementHeader.from_row({**ROW, "supersedes_version": None, "diff": None})
    assert (first.supersedes_version, first.diff) == (None, None) and first.row()["diff"] is None
    old = json.dumps([{"sector_id": "CTI", "cost_type": "cpu", "before": "1.00", "after": "2.50", "change": "1.50"}])
    (row,) = StatementHeader.from_row({**ROW, "diff": old}).diff or ()
    assert (row.cluster_id, row.namespace, row.old, row.new) == (None, None, Decimal("1.00"), Decimal("2.50"))
    assert row.as_dict() == {"sector_id": "CTI", "cost_type": "cpu", "old": "1.00", "new": "2.50", "change": "1.50"}
