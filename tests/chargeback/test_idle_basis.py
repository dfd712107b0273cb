"""The owner's idle line names both parts of its share: idle CPU and idle memory capacity."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from chargeback.allocation import ClusterContext, NamespaceInfo, compute_recipients, pool_lines
from chargeback.config import AllocationConfig


def test_the_idle_line_shows_how_its_share_follows_from_idle_cpu_and_memory() -> None:
    # one worker node: 100 core-hours and 400 GiB-hours of capacity; the tenant uses 30 and 100 of them
    nodes = pd.DataFrame({"cluster_id": ["c"], "node": ["w1"], "role": ["worker"],
                          "cpu_capacity_core_hours": [100.0], "memory_capacity_gib_hours": [400.0],
                          "node_hours": [720.0]})
    usage = pd.DataFrame({"cluster_id": ["c"], "node": ["w1"], "namespace": ["app"],
                          "cpu_effective_core_hours": [30.0], "memory_effective_gib_hours": [100.0]})
    ctx = ClusterContext("c", "CTI", {"app": NamespaceInfo("CTI", None, None, False)})
    recipients = compute_recipients(usage, nodes, ctx, AllocationConfig(cpu_share=Decimal("0.6"), idle="owner"))
    lines = pool_lines(ctx, "hardware", Decimal("1000.00"), recipients, "USD", "test")
    idle = next(line for line in lines if line["cost_type"] == "idle")
    assert idle["share"] == pytest.approx(0.6 * 0.7 + 0.4 * 0.75) and idle["amount"] == Decimal("720.00")
    basis = str(idle["basis"])
    assert ("cpu part 0.60 x 70.000000% of the CPU capacity idle + memory part 0.40 x 75.000000% of the memory "
            "capacity idle (300.00 idle GiB-hours), 70.00 idle core-hours") in basis
