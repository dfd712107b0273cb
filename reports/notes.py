"""One-line notes on a stored statement: data completeness, what a restatement changed, and the
lines ``close`` and ``restate`` answer with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chargeback.stored import ClusterCompleteness, StatementHeader
from reports.money import amount


@dataclass(frozen=True)
class CompletenessNote:
    """How many clusters have every hour of the month, and the clusters that do not."""

    clusters: int
    gaps: tuple[tuple[str, ClusterCompleteness], ...]

    @property
    def complete(self) -> int:
        return self.clusters - len(self.gaps)

    @property
    def text(self) -> str:
        return (f"data completeness: {self.complete} of {self.clusters} clusters complete"
                + "".join(f"; {c}: {v.ratio:.1%} of hours, {v.failed_runs} failed runs" for c, v in self.gaps))


def completeness_note(header: StatementHeader) -> CompletenessNote:
    return CompletenessNote(len(header.completeness),
                            tuple((c, v) for c, v in header.completeness.items() if not v.complete))


@dataclass(frozen=True)
class RestatementNote:
    """What a restated version restates, and the net change per sector of its stored difference."""

    previous: int
    reason: str | None
    rows: int  # namespace rows that moved
    net: tuple[tuple[str, Decimal], ...]  # per sector, by sector

    @property
    def text(self) -> str:
        moved = "; ".join(f"{s} {amount(v, signed=True)}" for s, v in self.net) or "nothing moved by a cent"
        return (f"restates version {self.previous} ({self.reason}): {self.rows} namespace row(s) "
                f"changed, net per sector: {moved}")


def restatement_note(header: StatementHeader, sector: str | None = None) -> RestatementNote | None:
    """For a restated version (None otherwise), of one sector's rows with ``sector``: the namespace rows of
    a sector add up to its change exactly, amounts being whole cents."""
    if header.supersedes_version is None:
        return None
    rows = [r for r in header.diff or () if sector is None or r.sector_id == sector]
    net: dict[str, Decimal] = {}
    for row in rows:
        net[row.sector_id] = net.get(row.sector_id, Decimal(0)) + row.change
    return RestatementNote(header.supersedes_version, header.reason, len(rows), tuple(sorted(net.items())))


def closed_line(header: StatementHeader) -> str:
    """What ``close`` answers: the version locked, its price lists and total."""
    return (f"{header.month} closed: version {header.version}, price list {header.price_list_version}, "
            f"total {amount(header.total_amount)} {header.currency}")


def restated_line(header: StatementHeader) -> str:
    """What ``restate`` answers before the changes: the new version, the one it supersedes, its total."""
    return (f"{header.month} restated: version {header.version} supersedes {header.supersedes_version}, "
            f"total {amount(header.total_amount)} {header.currency}")
