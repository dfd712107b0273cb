"""The pools model on the tiny estate, against expectations computed here from the estate's own
frames and inventory (pandas over the generator's output, never through the warehouse's SQL)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from decimal import Decimal

import pytest

from chargeback.rounding import dec
from chargeback.statement import Statement, compute_statement
from ecs_insight.settings import Settings
from estate import SyntheticEstate
from tests.chargeback.conftest import GIB, HOURS, MONTH, TINY, build, estate_frames

CENT = Decimal("0.01")


def expected_direct_cpu_weights(cluster_id: str) -> dict[str, float]:
    """Share of the cluster's CPU capacity each namespace used effectively, node by node."""
    f = estate_frames()
    nodes = f["node_hourly"][f["node_hourly"]["cluster_id"] == cluster_id]
    cap = nodes.groupby("node")["cpu_capacity_core_seconds"].sum() / 3600
    pods = f["pod_usage_hourly"][f["pod_usage_hourly"]["cluster_id"] == cluster_id].copy()
    pods["eff"] = pods[["cpu_usage_core_seconds", "cpu_request_core_seconds"]].max(axis=1) / 3600
    eff = pods.groupby(["node", "namespace"])["eff"].sum()
    per_node = eff.groupby(level="node").sum()
    weights: dict[str, float] = {}
    for (node, ns), value in eff.items():
        denom = max(cap[node], per_node[node])
        weights[ns] = weights.get(ns, 0.0) + cap[node] / cap.sum() * value / denom
    return weights


def expected_hardware_pools(settings: Settings) -> dict[str, Decimal]:
    f = estate_frames()
    nodes = f["dim_node"]
    hosts = settings.chargeback.cost_model.hosts
    out: dict[str, Decimal] = {}
    for host, vms in nodes.groupby("vsphere_host"):
        asset = next(a for a in hosts if fnmatch.fnmatchcase(host, a.match))
        monthly = asset.price / asset.depreciation_months
        cores = vms.groupby("cluster_id")["cpu_cores"].sum()
        for cluster_id, c in cores.items():
            out[cluster_id] = out.get(cluster_id, Decimal(0)) + monthly * dec(c / cores.sum())
    return out


@pytest.fixture(scope="module", params=[pytest.param("duckdb", id="duckdb"),
                                        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def statement(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[Settings, Statement]]:
    """The month's statement computed once per engine (the tests only read it)."""
    if request.param == "duckdb":
        url, drop = f"duckdb:///{tmp_path_factory.mktemp('truth') / 'wh.duckdb'}", None
    else:
        server = request.getfixturevalue("postgres_instance")
        name = server.create_database()
        url, drop = server.url_for(name), lambda: server.drop_database(name)
    settings, engine = build(url)
    try:
        yield settings, compute_statement(engine, MONTH, settings.chargeback.cost_model)
    finally:
        engine.dispose()
        if drop:
            drop()


def _pool(st: Statement, cluster_id: str, pool: str) -> Decimal:
    row = st.pools[(st.pools["cluster_id"] == cluster_id) & (st.pools["pool"] == pool)]
    return Decimal(row["amount"].iloc[0])


def test_every_pool_is_allocated_to_the_cent(statement: tuple[Settings, Statement]) -> None:
    _, st = statement
    sums = st.lines.groupby(["cluster_id", "pool"])["amount"].sum()
    for row in st.pools.itertuples(index=False):
        assert sums[(row.cluster_id, row.pool)] == row.amount, (row.cluster_id, row.pool)
    assert st.total == sum(st.pools["amount"], Decimal(0))
    assert all(a.as_tuple().exponent >= -2 for a in st.lines["amount"])


def test_compute_pools_equal_the_inventory_and_price_list(statement: tuple[Settings, Statement]) -> None:
    settings, st = statement
    price_list = settings.chargeback.cost_model.price_lists[0]
    assert st.prices.version == price_list.version == "2026.1"
    hardware = expected_hardware_pools(settings)
    f = estate_frames()
    node_hours = f["node_hourly"].groupby(["cluster_id", "node"])["node_seconds"].sum() / 3600
    for cluster_id, expected in hardware.items():
        hosts = f["dim_node"][f["dim_node"]["cluster_id"] == cluster_id]["vsphere_host"].nunique()
        assert abs(_pool(st, cluster_id, "hardware") - expected) <= CENT * hosts
        workers = f["dim_node"][(f["dim_node"]["cluster_id"] == cluster_id) & (f["dim_node"]["role"] == "worker")]
        core_months = sum(c * node_hours[(cluster_id, n)] / HOURS for n, c in zip(workers["node"],
                                                                                 workers["cpu_cores"], strict=True))
        licence = dec(core_months) * price_list.openshift_licence.monthly
        assert abs(_pool(st, cluster_id, "openshift-licence") - licence) <= CENT
        assert _pool(st, cluster_id, "support") == price_list.support_per_cluster_month
        assert _pool(st, cluster_id, "network") == price_list.network_per_cluster_month


def test_cpu_lines_are_the_namespaces_share_of_node_capacity(statement: tuple[Settings, Statement]) -> None:
    settings, st = statement
    r = float(settings.chargeback.cost_model.allocation.cpu_share)
    cpu = st.lines[(st.lines["cost_type"] == "cpu") & (st.lines["pool"] == "hardware")]
    assert not cpu.empty
    checked = 0
    for cluster_id, lines in cpu.groupby("cluster_id"):
        weights = expected_direct_cpu_weights(cluster_id)
        pool = _pool(st, cluster_id, "hardware")
        for row in lines.itertuples(index=False):
            expected = pool * dec(r * weights[row.namespace])
            assert abs(row.amount - expected) <= CENT, (cluster_id, row.namespace)
            checked += 1
    assert checked >= 10


def test_storage_and_logging_lines_are_quantity_times_rate(statement: tuple[Settings, Statement]) -> None:
    settings, st = statement
    price_list = settings.chargeback.cost_model.price_lists[0]
    f = estate_frames()
    pvc = f["pvc_hourly"].groupby(["cluster_id", "namespace", "storage_class"])["capacity_byte_seconds"].sum()
    storage = st.lines[(st.lines["cost_type"] == "storage")]
    assert not storage.empty
    by_ns = storage.groupby(["cluster_id", "namespace"])["amount"].sum()
    for (cluster_id, ns), amount in by_ns.items():
        expected = sum((dec(v / GIB / 3600 / HOURS) * price_list.storage_per_gib_month[cls]
                        ).quantize(CENT) for (c, n, cls), v in pvc.items() if c == cluster_id and n == ns)
        assert amount == expected
    logs = f["log_volume_hourly"].groupby(["cluster_id", "namespace"])["bytes"].sum()
    pools = st.pools[st.pools["pool"] == "logging"].set_index("cluster_id")["amount"]
    for cluster_id, total in pools.items():
        expected = sum((dec(v / 1e9) * price_list.logging_per_gb).quantize(CENT)
                       for (c, _), v in logs.items() if c == cluster_id)
        assert total == expected


def test_unmapped_namespaces_land_in_unallocated_never_dropped(statement: tuple[Settings, Statement]) -> None:
    _, st = statement
    truth = SyntheticEstate(TINY).truth.expected_namespace_mapping()
    unmapped = truth[truth["sector_id"].isna() & ~truth["is_platform"]]
    assert not unmapped.empty
    lines = st.lines.set_index(["cluster_id", "namespace"])
    charged = 0
    for row in unmapped.itertuples(index=False):
        if (row.cluster_id, row.namespace) in lines.index:
            mine = lines.loc[[(row.cluster_id, row.namespace)]]
            assert set(mine["sector_id"]) == {"UNALLOCATED"}
            charged += 1
    assert charged >= 1
    mapped = truth[truth["sector_id"].notna() & ~truth["is_platform"]]
    for row in mapped.itertuples(index=False):
        if (row.cluster_id, row.namespace) in lines.index:
            assert set(lines.loc[[(row.cluster_id, row.namespace)]]["sector_id"]) == {row.sector_id}


def test_idle_goes_to_the_owner_on_dedicated_clusters_and_is_spread_on_shared(
        statement: tuple[Settings, Statement]) -> None:
    _, st = statement
    clusters = estate_frames()["dim_cluster"].set_index("cluster_id")
    idle = st.lines[st.lines["cost_type"] == "idle"]
    for cluster_id, info in clusters.iterrows():
        mine = idle[idle["cluster_id"] == cluster_id]
        assert not mine.empty
        if info["shared"]:
            assert "(idle)" not in set(mine["namespace"])
        else:
            assert set(mine["namespace"]) == {"(idle)"} and set(mine["sector_id"]) == {info["owner_sector_id"]}
    platform_ns = st.lines[st.lines["namespace"].str.startswith(("openshift", "kube-"))]
    assert platform_ns.empty  # platform namespaces are spread over tenants, never billed themselves
