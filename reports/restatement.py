"""What a restatement changed, per namespace and per sector, against the version it superseded."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from chargeback import lifecycle
from chargeback.stored import DiffRow, StatementHeader

NAMESPACE_COLUMNS = ["sector_id", "cluster_id", "namespace", "cost_type", "old", "new", "change"]
SECTOR_COLUMNS = ["sector_id", "cost_type", "old", "new", "change"]
AMOUNT_COLUMNS = ("old", "new", "change")


@dataclass(frozen=True)
class RestatementChanges:
    namespaces: tuple[DiffRow, ...]  # the difference stored with the version
    sectors: tuple[DiffRow, ...]  # recomputed from the two versions' lines
    currency: str


def restatement_changes(engine: sa.Engine, header: StatementHeader) -> RestatementChanges:
    """The changes of a version against the one it superseded; none for a first version."""
    changes = lifecycle.changes(engine, header.month, header.version)
    if changes is None:
        return RestatementChanges((), (), header.currency)
    return RestatementChanges(changes.namespaces, changes.sectors, header.currency)
