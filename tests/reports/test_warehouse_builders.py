"""Builders that read the warehouse: a stored version read back, the restatement difference, the sector
check and cost per sector."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from chargeback import lifecycle
from chargeback.stored import DiffRow
from common.errors import ConfigError
from reports.restatement import restatement_changes
from reports.sectors import check_sector, sector_costs
from tests.reports.conftest import MONTH, stored_statement

D = Decimal


def test_a_stored_version_reads_back_as_it_was_stored(warehouse: sa.Engine) -> None:
    read = lifecycle.latest(warehouse, MONTH)
    assert read is not None and read.header == stored_statement().header
    assert list(read.lines["amount"]) == list(stored_statement().lines["amount"])
    cti = lifecycle.latest(warehouse, MONTH, sector="CTI")
    assert cti is not None and set(cti.lines["sector_id"]) == {"CTI"}
    assert set(cti.pools["cluster_id"]) == {"ocp-a", "ocp-b"}
    assert lifecycle.latest(warehouse, "2026-08") is None


def test_restatement_changes_per_namespace_and_per_sector(warehouse: sa.Engine) -> None:
    header = stored_statement().header
    changes = restatement_changes(warehouse, header)
    assert changes.namespaces == header.diff and changes.currency == "USD"
    assert changes.sectors == (DiffRow("CTI", "cpu", D("29.00"), D("30.00"), D("1.00")),
                               DiffRow("ICG", "logging", D("0.50"), D("0.25"), D("-0.25")))
    first = stored_statement(1, supersedes_version=None, diff=None).header
    assert restatement_changes(warehouse, first).namespaces == ()


def test_check_sector_knows_configured_stored_and_warehouse_sectors(warehouse: sa.Engine) -> None:
    stored = stored_statement()
    for sector in (None, "CTI", "ICG", "PBWM", "UNALLOCATED"):
        check_sector(warehouse, sector, stored)
    check_sector(warehouse, "GFTS", stored, configured=["GFTS"])
    with pytest.raises(ConfigError, match="unknown sector 'NOPE'; known sectors: CTI, ICG, PBWM, UNALLOCATED"):
        check_sector(warehouse, "NOPE", stored)
    with pytest.raises(ConfigError, match=r"known sectors: CTI, GFTS, ICG, PBWM \(field=--sector\)"):
        check_sector(warehouse, "UNALLOCATED", stored, configured=["GFTS"])


def test_sector_costs_of_a_month(warehouse: sa.Engine) -> None:
    report = sector_costs(warehouse, MONTH, "pools")
    assert report.title == "chargeback 2026-09, cost model pools"
    assert list(report.frame["sector_id"]) == ["CTI", "ICG"]
    assert list(report.frame["total_cost"]) == [D("40.00"), D("19.75")]
    assert report.months_with_results == ()
    missing = sector_costs(warehouse, "2026-10", "pools")
    assert missing.frame.empty and missing.months_with_results == (MONTH,)
    assert missing.missing_note == "no chargeback for 2026-10 in cost model 'pools'; months with results: 2026-09"
    assert sector_costs(warehouse, MONTH, "flat").missing_note.endswith("months with results: none")
