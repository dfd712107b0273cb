"""Known chargeback rows for the dashboard tests, and helpers to load them.

Amounts are chosen so that summing through float would show a wrong cent (CTI's March memory
cost sums to 234,568.195: exact half-up rounding shows 234,568.20, a float sum 234,568.19), and
so that thousands separators, sub-cent lines, a sector missing from the ``sector`` table (GFTS),
unallocated lines and a second cost model are all present. Quantities are stored as 64-bit
``Double`` (test_queries checks a fraction that a 32-bit float would lose).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, insert

from warehouse.schema import chargeback_result, cluster, sector

COMPUTED_AT = datetime(2025, 4, 2, 6, 0)

SECTORS = [
    {"sector_id": "CTI", "name": "Technology Infrastructure", "default_cost_centre": "CC-100"},
    {"sector_id": "ICG", "name": "Institutional Clients", "default_cost_centre": "CC-200"},
    {"sector_id": "PBWM", "name": "Private Bank & Wealth", "default_cost_centre": "CC-300"},
]

CLUSTERS = [
    {"cluster_id": "c-cti-01", "name": "cti-prod-east", "owner_sector_id": "CTI", "shared": False,
     "zones": "z1,z2,z3"},
    {"cluster_id": "c-shared-01", "name": "shared-prod", "owner_sector_id": None, "shared": True,
     "zones": "z1,z2"},
]

# (month, model, cluster, namespace, sector, application, cost centre, core-h, GiB-h, cpu €, mem €)
LINES = [
    ("2025-03", "flat", "c-cti-01", "payments-api", "CTI", "payments", "CC-101", 1200000.5, 4800000.5,
     "1000000.10", "234567.894"),
    ("2025-03", "flat", "c-cti-01", "risk-batch", "CTI", "risk", "CC-102", 0.25, 0.5, "0.004", "0.001"),
    ("2025-03", "flat", "c-shared-01", "web-portal", "CTI", "portal", "CC-101", 2400000.0, 100000.0,
     "2000000.20", "0.30"),
    ("2025-03", "flat", "c-shared-01", "trading-gw", "ICG", "trading", "CC-201", 1740000.0, 3480000.0,
     "1450000.00", "725000.00"),
    ("2025-03", "flat", "c-shared-01", "ledger", "GFTS", "ledger", None, 732000.0, 1464000.0,
     "610000.25", "305000.10"),
    ("2025-03", "flat", "c-shared-01", "orphan-ns", "UNALLOCATED", None, None, 49200.0, 98400.0,
     "41000.10", "20500.20"),
    ("2025-02", "flat", "c-cti-01", "payments-api", "CTI", "payments", "CC-101", 3420000.0, 4560000.0,
     "2850000.00", "240000.00"),
    ("2025-02", "flat", "c-shared-01", "trading-gw", "ICG", "trading", "CC-201", 1560000.0, 2880000.0,
     "1300000.00", "600000.00"),
    ("2025-02", "flat", "c-shared-01", "wealth-web", "PBWM", "wealth", "CC-301", 840000.0, 1536000.0,
     "700000.00", "320000.00"),
    ("2025-02", "flat", "c-shared-01", "wealth-batch", "PBWM", "wealth", "CC-302", 8.7, 22.8,
     "7.25", "4.75"),
    ("2025-01", "flat", "c-cti-01", "payments-api", "CTI", "payments", "CC-101", 3300000.0, 4370000.0,
     "2750000.00", "230000.00"),
    ("2025-01", "flat", "c-shared-01", "wealth-web", "PBWM", "wealth", "CC-301", 780000.0, 1440000.0,
     "650000.00", "300000.00"),
    # Another cost model: never part of the "flat" figures.
    ("2025-03", "usage", "c-cti-01", "payments-api", "CTI", "payments", "CC-101", 1.0, 1.0,
     "999.99", "0.00"),
]


def line_rows() -> list[dict]:
    rows = []
    for (month, model, cluster_id, ns, sector_id, app, cc, core_h, gib_h, cpu, mem) in LINES:
        rows.append({
            "month": month, "model": model, "cluster_id": cluster_id, "namespace": ns,
            "sector_id": sector_id, "application": app, "cost_centre": cc,
            "cpu_effective_core_hours": core_h, "memory_effective_gib_hours": gib_h,
            "cpu_cost": Decimal(cpu), "memory_cost": Decimal(mem),
            "total_cost": Decimal(cpu) + Decimal(mem), "currency": "USD", "computed_at": COMPUTED_AT,
        })
    return rows


def load(engine: Engine) -> None:
    """Insert the sample sectors, clusters and chargeback lines (schema must exist)."""
    with engine.begin() as conn:
        conn.execute(insert(sector), SECTORS)
        conn.execute(insert(cluster), CLUSTERS)
        conn.execute(insert(chargeback_result), line_rows())
