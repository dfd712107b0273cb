"""The typed pieces of a statement: pool names (what each pool charges as and pays for), pools, lines.

Models build :class:`Pool` and :class:`StatementLine` objects; :func:`lines_frame` and
:func:`pools_frame` turn them into the statement's frames once, at the end, with the columns
that are stored and read back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

import pandas as pd

from common.names import CostType


class Resource(StrEnum):
    """What part of a sector's charge a pool is, for the cost of an unused purchase."""

    CPU = "cpu"          # wholly CPU (the rate card's CPU rate)
    MEMORY = "memory"    # wholly memory
    NODES = "nodes"      # whole nodes: split into CPU and memory by allocation.cpu_share
    STORAGE = "storage"  # storage


class PoolName(StrEnum):
    """A cluster's cost pools; declaration order is display order (pools tables, columns).

    Each name carries the cost type of the lines it charges (None: a compute pool, whose lines are
    the recipients' cpu, memory, idle and platform shares) and the resource it pays for (None:
    neither compute nor storage).
    """

    cost_type: CostType | None
    pays_for: Resource | None

    def __new__(cls, value: str, cost_type: CostType | None = None, pays_for: Resource | None = None) -> PoolName:
        member = str.__new__(cls, value)
        member._value_ = value
        member.cost_type = cost_type
        member.pays_for = pays_for
        return member

    @property
    def charged_as(self) -> CostType:
        """The cost type of the lines of a pool that has one (quantity x rate pools, fees)."""
        if self.cost_type is None:
            raise ValueError(f"the {self.value} pool is shared out over its recipients' cost types")
        return self.cost_type

    # the pools model's compute pools, shared out over the cluster's recipients
    HARDWARE = "hardware", None, Resource.NODES
    VMWARE_LICENCE = "vmware-licence", None, Resource.NODES
    OPENSHIFT_LICENCE = "openshift-licence", None, Resource.NODES
    SUPPORT = "support", None, Resource.NODES
    NETWORK = "network", None, Resource.NODES
    # quantity x rate pools (both models price storage)
    STORAGE = "storage", CostType.STORAGE, Resource.STORAGE
    LOGGING = "logging", CostType.LOGGING, None
    # the rate card, by name
    CLUSTER_MONTH = "cluster-month", CostType.CLUSTER_MONTH, Resource.NODES
    CPU_RATE = "cpu-rate", CostType.CPU, Resource.CPU
    MEMORY_RATE = "memory-rate", CostType.MEMORY, Resource.MEMORY
    NODE_MONTHS = "node-months", CostType.NODE_MONTHS, Resource.NODES


POOL_ORDER: tuple[str, ...] = tuple(p.value for p in PoolName)
COMPUTE_POOLS: tuple[str, ...] = tuple(p.value for p in PoolName if p.cost_type is None)
FEE_POOLS: tuple[str, ...] = (PoolName.NODE_MONTHS.value, PoolName.CLUSTER_MONTH.value)
PAYS_FOR: dict[str, Resource] = {p.value: p.pays_for for p in PoolName if p.pays_for is not None}


@dataclass(frozen=True, slots=True)
class Pool:
    """One cost pool of one cluster in the month."""

    cluster_id: str
    name: PoolName
    amount: Decimal
    basis: str

    @property
    def cost_type(self) -> CostType | None:
        return self.name.cost_type


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One line of a statement: a quantity x rate, or a share of a named pool."""

    sector_id: str
    cluster_id: str
    namespace: str
    application: str | None
    cost_centre: str | None
    cost_type: CostType
    pool: PoolName
    quantity: float
    unit: str
    rate: Decimal | None        # quantity x rate lines
    pool_amount: Decimal | None  # share lines: the amount shared out
    share: float | None          # share lines: this line's part of it
    basis: str
    amount: Decimal


LINE_COLUMNS = [f.name for f in fields(StatementLine)]
POOL_COLUMNS = ["cluster_id", "pool", "amount", "basis"]
_TEXT = {member: member.value for member in (*CostType, *PoolName)}  # the frame and the store hold plain text


def lines_frame(lines: Iterable[StatementLine]) -> pd.DataFrame:
    """The statement's lines frame: sorted by sector, cluster, namespace, cost type and pool, numbered."""
    lines = list(lines)
    # Built column by column: a month of an enterprise estate has tens of thousands of lines.
    columns: dict[str, list[object]] = {name: [getattr(line, name) for line in lines] for name in LINE_COLUMNS}
    for name in ("cost_type", "pool"):
        columns[name] = [_TEXT[value] for value in columns[name]]
    frame = pd.DataFrame(columns, columns=LINE_COLUMNS)
    frame = frame.sort_values(["sector_id", "cluster_id", "namespace", "cost_type", "pool"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "line_no", range(1, len(frame) + 1))
    return frame


def pools_frame(pools: Iterable[Pool]) -> pd.DataFrame:
    """The statement's pools frame, one row per cluster and pool in the order the model made them."""
    return pd.DataFrame([(p.cluster_id, str(p.name), p.amount, p.basis) for p in pools], columns=POOL_COLUMNS)
