"""Names every layer shares: the sector of cost no mapping claims, the cost models' names and the
cost types of statement lines. Defined once here so the warehouse, chargeback, reports and the app
spell them alike."""

from __future__ import annotations

from enum import StrEnum

UNALLOCATED = "UNALLOCATED"          # sector of namespaces no mapping resolves, and of unowned cost
UNALLOCATED_NAME = "Unallocated"     # how that sector reads where sectors are shown by name

POOLS_MODEL = "pools"
RATE_CARD_MODEL = "rate_card"
FLAT_MODEL = "flat"
DEFAULT_COST_MODEL = POOLS_MODEL     # what prices the statements, and the results they publish
DEFAULT_SHOWN_MODEL = FLAT_MODEL     # results the cost page shows unless configured: every run writes them


class CostType(StrEnum):
    """What a statement line charges for; declaration order is display order."""

    CPU = "cpu"                      # a tenant's effective CPU share of compute, or its CPU rate
    MEMORY = "memory"                # the same for memory
    IDLE = "idle"                    # unused worker capacity: the owner's purchase, or spread over tenants
    PLATFORM = "platform"            # platform namespaces and control-plane/infra nodes, spread over tenants
    STORAGE = "storage"              # PVC GiB-months x rate
    LOGGING = "logging"              # GB of logs ingested x rate
    NODE_MONTHS = "node-months"      # rate card: node-month fee spread over tenants
    CLUSTER_MONTH = "cluster-month"  # rate card: cluster-month fee spread over tenants


COST_TYPE_ORDER: tuple[CostType, ...] = tuple(CostType)
