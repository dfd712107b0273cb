"""Notes on a stored statement: completeness, restatement, and what close and restate answer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from chargeback.stored import ClusterCompleteness, StoredStatement
from reports.notes import closed_line, completeness_note, restated_line, restatement_note


def test_completeness_note_names_the_clusters_with_gaps(stored: StoredStatement) -> None:
    note = completeness_note(stored.header)
    assert (note.clusters, note.complete, [c for c, _ in note.gaps]) == (2, 1, ["ocp-b"])
    assert note.text == "data completeness: 1 of 2 clusters complete; ocp-b: 97.2% of hours, 1 failed runs"
    whole = replace(stored.header, completeness={"ocp-a": ClusterCompleteness(720, 720, 720, 0, 1.0, True)})
    assert completeness_note(whole).text == "data completeness: 1 of 1 clusters complete"


def test_restatement_note_nets_the_difference_per_sector(stored: StoredStatement) -> None:
    note = restatement_note(stored.header)
    assert note is not None and note.net == (("CTI", Decimal("1.00")), ("ICG", Decimal("-0.25")))
    assert note.text == ("restates version 1 (late logs): 2 namespace row(s) changed, net per sector: "
                         "CTI +1.00; ICG -0.25")
    icg = restatement_note(stored.header, "ICG")
    assert icg is not None and icg.text.endswith("1 namespace row(s) changed, net per sector: ICG -0.25")
    none = restatement_note(stored.header, "PBWM")
    assert none is not None and none.text.endswith("0 namespace row(s) changed, net per sector: nothing moved "
                                                   "by a cent")
    first = replace(stored.header, version=1, supersedes_version=None, diff=None)
    assert restatement_note(first) is None


def test_close_and_restate_lines(stored: StoredStatement) -> None:
    header = replace(stored.header, total_amount=Decimal("1234567.8"))
    assert closed_line(header) == "2026-09 closed: version 2, price list 2026.1, total 1,234,567.80 USD"
    assert restated_line(header) == "2026-09 restated: version 2 supersedes 1, total 1,234,567.80 USD"
