"""Property tests: every split and every cluster's pools sum to the cent, whatever the usage."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chargeback.allocation import ClusterContext, NamespaceInfo, compute_recipients, pool_lines
from chargeback.config import AllocationConfig
from chargeback.rounding import CENT, split

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("10000000"), places=2)
weights = st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
                   min_size=1, max_size=40).filter(lambda ws: sum(ws) > 0)


@given(amounts, weights)
def test_split_sums_to_the_pool_and_stays_within_a_cent_of_each_share(pool: Decimal, ws: list[float]) -> None:
    parts = split(pool, ws)
    assert sum(parts, Decimal(0)) == pool
    total = sum(ws)
    for part, w in zip(parts, ws, strict=True):
        assert part.as_tuple().exponent >= -2
        assert abs(part - pool * Decimal(repr(w)) / Decimal(repr(total))) < CENT
        if w == 0:
            assert part == 0


@st.composite
def clusters(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, ClusterContext, AllocationConfig]:
    n_nodes = draw(st.integers(1, 5))
    roles = [draw(st.sampled_from(["worker", "worker", "infra", "master"])) for _ in range(n_nodes)]
    nodes = pd.DataFrame({
        "cluster_id": "c", "node": [f"n{i}" for i in range(n_nodes)], "role": roles,
        "cpu_capacity_core_hours": [draw(st.floats(0, 20000)) for _ in range(n_nodes)],
        "memory_capacity_gib_hours": [draw(st.floats(0, 90000)) for _ in range(n_nodes)],
        "node_hours": 720.0,
    })
    namespaces = [f"ns{i}" for i in range(draw(st.integers(1, 8)))]
    rows = []
    for ns in namespaces:
        for node in draw(st.lists(st.sampled_from(list(nodes["node"])), min_size=0, max_size=n_nodes, unique=True)):
            rows.append({"cluster_id": "c", "node": node, "namespace": ns,
                         "cpu_effective_core_hours": draw(st.floats(0, 30000)),  # may exceed capacity
                         "memory_effective_gib_hours": draw(st.floats(0, 100000))})
    usage = pd.DataFrame(rows, columns=["cluster_id", "node", "namespace", "cpu_effective_core_hours",
                                        "memory_effective_gib_hours"])
    platform = {ns: draw(st.booleans()) for ns in namespaces}
    sectors = {ns: draw(st.sampled_from(["CTI", "ICG", None])) for ns in namespaces}
    mapping = {ns: NamespaceInfo(sectors[ns], None, None, platform[ns]) for ns in namespaces}
    owner = draw(st.sampled_from(["CTI", None]))
    config = AllocationConfig(cpu_share=draw(st.decimals(Decimal("0"), Decimal("1"), places=2)),
                              idle=draw(st.sampled_from(["owner", "distribute"])),
                              platform_basis=draw(st.sampled_from(["cpu", "memory"])))
    return usage, nodes, ClusterContext("c", owner, mapping), config


@settings(max_examples=200, deadline=None)
@given(clusters(), amounts)
def test_a_cluster_pool_is_allocated_to_the_cent(cluster: tuple, pool: Decimal) -> None:
    usage, nodes, ctx, config = cluster
    recipients = compute_recipients(usage, nodes, ctx, config)
    assert abs(sum(r.weight for r in recipients) - 1.0) < 1e-9
    assert all(r.weight >= 0 for r in recipients)
    lines = pool_lines(ctx, "hardware", pool, recipients, "USD", "test")
    assert sum((line.amount for line in lines), Decimal(0)) == pool
    for line in lines:
        assert line.sector_id in {"CTI", "ICG", "UNALLOCATED"}
        if line.cost_type in ("cpu", "memory"):
            assert not ctx.namespaces[line.namespace].is_platform
