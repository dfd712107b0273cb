"""Lines whose share of a pool is a product name its factors: the owner's idle line (idle CPU and memory
capacity), and platform cost spread over the tenants (their share of the basis, the platform's of the pool)."""

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
    idle = next(line for line in lines if line.cost_type == "idle")
    assert idle.share == pytest.approx(0.6 * 0.7 + 0.4 * 0.75) and idle.amount == Decimal("720.00")
    basis = str(idle.basis)
    assert ("cpu part 0.60 x 70.000000% of the CPU capacity idle + memory part 0.40 x 75.000000% of the memory "
            "capacity idle (300.00 idle GiB-hours), 70.00 idle core-hours") in basis


def test_a_platform_line_shows_the_tenants_share_and_the_platforms_share_of_the_pool() -> None:
    # one worker node of 100 core-hours and 100 GiB-hours; platform uses 20, tenants a and b 30 and 10
    nodes = pd.DataFrame({"cluster_id": ["c"], "node": ["w1"], "role": ["worker"],
                          "cpu_capacity_core_hours": [100.0], "memory_capacity_gib_hours": [100.0],
                          "node_hours": [720.0]})
    usage = pd.DataFrame({"cluster_id": "c", "node": "w1", "namespace": ["openshift-dns", "a", "b"],
                          "cpu_effective_core_hours": [20.0, 30.0, 10.0],
                          "memory_effective_gib_hours": [20.0, 30.0, 10.0]})
    ctx = ClusterContext("c", "CTI", {"openshift-dns": NamespaceInfo(None, None, None, True),
                                      "a": NamespaceInfo("CTI", None, None, False),
                                      "b": NamespaceInfo("CTI", None, None, False)})
    recipients = compute_recipients(usage, nodes, ctx, AllocationConfig(cpu_share=Decimal("0.5")))
    lines = pool_lines(ctx, "support", Decimal("100.00"), recipients, "USD", "test")
    platform = {line.namespace: line for line in lines if line.cost_type == "platform"}
    assert platform["a"].amount == Decimal("15.00") and platform["b"].amount == Decimal("5.00")
    assert "75.000000% of the tenants' effective cpu (core-hours) x 20.000000% of the pool" in platform["a"].basis
    assert "25.000000% of the tenants' effective cpu (core-hours) x 20.000000% of the pool" in platform["b"].basis
