"""A month whose price list changes on the 15th, priced on the tiny estate: every listed price is the
hour-weighted blend of the two versions, checked against hand-computed figures and the estate's truth."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from chargeback import lifecycle
from chargeback.config import CostModelConfig, Licence
from chargeback.pools import amortisation, host_asset
from chargeback.rounding import CENT, cents, dec
from chargeback.statement import Statement, compute_statement
from common.errors import ConfigError
from ecs_insight.settings import Settings
from tests.chargeback.conftest import GIB, HOURS, MONTH, estate_frames
from warehouse.dimensions import read_dimension

SHARES = "2026.1 for 336 h, 2026.2 for 384 h"  # September: 14 days, then 16 days


def two_versions(config: CostModelConfig, **second: object) -> CostModelConfig:
    """The demo's 2026.1 until 14 September, its 2026.2 (3 % markup) from the 15th."""
    first, later = config.price_lists
    return config.model_copy(update={"price_lists": [
        first.model_copy(update={"effective_to": date(2026, 9, 14)}),
        later.model_copy(update={"effective_from": date(2026, 9, 15), **second})]})


@pytest.fixture(scope="module")
def priced(tiny_duckdb: tuple[Settings, sa.Engine]) -> Iterator[tuple[sa.Engine, CostModelConfig, Statement]]:
    settings, engine = tiny_duckdb
    config = two_versions(settings.chargeback.cost_model)
    yield engine, config, compute_statement(engine, MONTH, config)


def pools(statement: Statement, pool: str) -> pd.Series:
    return statement.pools[statement.pools["pool"] == pool].set_index("cluster_id")["amount"]



def worker_months() -> list[tuple[str, float, float]]:
    """Per cluster, from the estate's truth: worker core-months and worker node-months of the month."""
    f = estate_frames()
    node_hours = f["node_hourly"].groupby(["cluster_id", "node"])["node_seconds"].sum() / 3600
    workers = f["dim_node"][f["dim_node"]["role"] == "worker"]
    out = []
    for cluster_id, nodes in workers.groupby("cluster_id"):
        hours = [node_hours[(cluster_id, n)] for n in nodes["node"]]
        out.append((str(cluster_id), sum(c * h / HOURS for c, h in zip(nodes["cpu_cores"], hours, strict=True)),
                    sum(h / HOURS for h in hours)))
    return out

def test_per_cluster_month_prices_are_the_hour_weighted_blend(priced: tuple) -> None:
    _, _, st = priced
    assert st.prices.version == "2026.1+2026.2"
    # support: (336 h x 6500 x 1 + 384 h x 6500 x 1.03) / 720 h = 4 754 880 / 720
    # network: (336 h x 900 x 1 + 384 h x 900 x 1.03) / 720 h = 658 368 / 720
    for pool, expected in (("support", Decimal("6604.00")), ("network", Decimal("914.40"))):
        amounts = pools(st, pool)
        assert len(amounts) == 3 and set(amounts) == {expected}, pool
    for basis in st.pools[st.pools["pool"] == "support"]["basis"]:
        assert basis == f"1 cluster-month x (6500 x 1 x 336 h + 6500 x 1.03 x 384 h) / 720 h ({SHARES})"
    support_lines = st.lines[st.lines["pool"] == "support"]
    assert not support_lines.empty and all(SHARES in b for b in support_lines["basis"])


def test_licences_and_hardware_markup_are_blended(priced: tuple) -> None:
    engine, config, st = priced
    hosts = read_dimension(engine, "vsphere_host").set_index("host")["cpu_cores"]
    carrying = set(estate_frames()["dim_node"]["vsphere_host"])
    # VMware per host core: (336 h x 11.50 + 384 h x 12.75 x 1.03) / 720 h = 8906.88 / 720
    per_core = Decimal("8906.88") / 720
    assert sum(pools(st, "vmware-licence")) == sum(cents(Decimal(int(hosts[h])) * per_core) for h in carrying)
    # amortisation x the blended markup (336 x 1 + 384 x 1.03) / 720 = 1.016
    start = pd.Timestamp(MONTH).date()
    hardware = sum(cents(amortisation(host_asset(h, config.hosts), start) * Decimal("1.016")) for h in carrying)
    assert sum(pools(st, "hardware")) == hardware
    for cluster_id, core_months, _ in worker_months():
        # OpenShift per worker core: (336 h x 52 + 384 h x 52 x 1.03) / 720 h = 52.832
        assert abs(pools(st, "openshift-licence")[cluster_id] - dec(core_months) * Decimal("52.832")) <= CENT
    assert all(SHARES in b for b in st.pools[st.pools["pool"].isin(["hardware", "openshift-licence"])]["basis"])
    assert all("12.75 per core x 1.03 for 384 h under 2026.2" in b
               for b in st.pools[st.pools["pool"] == "vmware-licence"]["basis"])


# storage classes' blended rates, to 8 places: (336 h x price_1 + 384 h x price_2 x 1.03) / 720 h
STORAGE_RATES = {"thin-csi": Decimal("0.09144"),                      # 0.09 and 0.09
                 "ocs-storagecluster-ceph-rbd": Decimal("0.13674667"),  # 0.14 and 0.13: 98.4576 / 720
                 "ocs-storagecluster-cephfs": Decimal("0.12192"),       # 0.12 and 0.12
                 "default": Decimal("0.1016")}
LOGGING_RATE = Decimal("0.37893333")  # 0.40 and 0.35: 272.832 / 720


def test_storage_and_logging_are_quantity_times_the_blended_rate(priced: tuple) -> None:
    _, _, st = priced
    f = estate_frames()
    pvc = f["pvc_hourly"].groupby(["cluster_id", "namespace", "storage_class"])["capacity_byte_seconds"].sum()
    storage = st.lines[st.lines["cost_type"] == "storage"]
    assert not storage.empty
    for row in storage.itertuples(index=False):
        assert SHARES in row.basis and row.rate in STORAGE_RATES.values()
    for (cluster_id, ns), amount in storage.groupby(["cluster_id", "namespace"])["amount"].sum().items():
        expected = sum(cents(dec(v / GIB / 3600 / HOURS) * STORAGE_RATES[cls])
                       for (c, n, cls), v in pvc.items() if c == cluster_id and n == ns)
        assert amount == expected, (cluster_id, ns)
    logs = f["log_volume_hourly"].groupby(["cluster_id", "namespace"])["bytes"].sum()
    for cluster_id, total in pools(st, "logging").items():
        assert total == sum(cents(dec(v / 1e9) * LOGGING_RATE) for (c, _), v in logs.items() if c == cluster_id)


def test_every_pool_is_still_allocated_to_the_cent(priced: tuple) -> None:
    _, _, st = priced
    sums = st.lines.groupby(["cluster_id", "pool"])["amount"].sum()
    for row in st.pools.itertuples(index=False):
        assert sums[(row.cluster_id, row.pool)] == row.amount, (row.cluster_id, row.pool)
    assert st.total == sum(st.pools["amount"], Decimal(0))


def test_a_month_under_one_version_keeps_its_digest(tiny_duckdb: tuple[Settings, sa.Engine]) -> None:
    """Months closed before prices were blended must not turn stale: one version, the same digest."""
    settings, engine = tiny_duckdb
    config = settings.chargeback.cost_model
    st = compute_statement(engine, MONTH, config)
    payload = {"price_list": config.price_lists[0].model_dump(mode="json"),
               "hosts": [h.model_dump(mode="json") for h in config.hosts],
               "allocation": config.allocation.model_dump(mode="json"),
               "rate_card": config.rate_card.model_dump(mode="json"), "model": config.model}
    legacy = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    assert (st.prices.version, st.price_list_digest) == ("2026.1", legacy)


def test_close_records_every_version_and_their_digest(priced: tuple) -> None:
    engine, config, st = priced
    closed = lifecycle.close(engine, MONTH, config)
    assert closed.header.price_list_version == "2026.1+2026.2"
    assert closed.header.price_list_digest == st.price_list_digest
    assert closed.header.total_amount == st.total
    # a list in force only before the month changes nothing the month was priced with
    earlier = config.price_lists[0].model_copy(update={"version": "2025.1", "effective_from": date(2025, 1, 1),
                                                       "effective_to": date(2025, 12, 31)})
    extended = config.model_copy(update={"price_lists": [earlier, *config.price_lists]})
    assert not lifecycle.refresh(engine, MONTH, extended).stale
    # a correction to the second version is seen: the closed month is stale
    corrected = two_versions(lifecycle_config(config), support_per_cluster_month=Decimal("7000"))
    shown = lifecycle.refresh(engine, MONTH, corrected)
    assert shown.stale and shown.header.price_list_version == "2026.1+2026.2"
    restated = lifecycle.restate(engine, MONTH, corrected, reason="2026.2 support price corrected")
    # support pool per cluster: (336 x 6500 + 384 x 7000 x 1.03) / 720 = 4 952 640 / 720 = 6878.67
    support = restated.lines[restated.lines["pool"] == "support"].groupby("cluster_id")["amount"].sum()
    assert set(support) == {Decimal("6878.67")}
    assert restated.header.total_amount - closed.header.total_amount == \
        3 * (Decimal("6878.67") - Decimal("6604.00"))


def lifecycle_config(config: CostModelConfig) -> CostModelConfig:
    """The undivided demo lists (two_versions cuts them again)."""
    first, later = config.price_lists
    return config.model_copy(update={"price_lists": [
        first.model_copy(update={"effective_to": date(2026, 9, 30)}),
        later.model_copy(update={"effective_from": date(2026, 10, 1)})]})


def test_a_gap_in_the_month_names_the_uncovered_dates(tiny_duckdb: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_duckdb
    first, later = settings.chargeback.cost_model.price_lists
    gap = settings.chargeback.cost_model.model_copy(update={"price_lists": [
        first.model_copy(update={"effective_to": date(2026, 9, 10)}),
        later.model_copy(update={"effective_from": date(2026, 9, 20)})]})
    with pytest.raises(ConfigError, match=r"no price list is in force on 2026-09-11 to 2026-09-19 \(UTC; 216 of "
                                          r"the 720 hours of 2026-09\).*field=chargeback.cost_model.price_lists"):
        compute_statement(engine, MONTH, gap)


def test_versions_that_count_licences_differently(tiny_duckdb: tuple[Settings, sa.Engine]) -> None:
    """2026.2 charges OpenShift per worker node and VMware per host: each version counts its own unit."""
    settings, engine = tiny_duckdb
    config = two_versions(settings.chargeback.cost_model, openshift_licence=Licence(per="host", monthly="400"),
                          vmware_licence=Licence(per="host", monthly="500"))
    st = compute_statement(engine, MONTH, config)
    for cluster_id, core_months, node_months in worker_months():
        # (336 h x core-months x 52 + 384 h x node-months x 400 x 1.03) / 720 h
        expected = (336 * dec(core_months) * 52 + 384 * dec(node_months) * Decimal("412")) / 720
        assert abs(pools(st, "openshift-licence")[cluster_id] - expected) <= CENT
    basis = st.pools[st.pools["pool"] == "openshift-licence"]["basis"].iloc[0]
    assert "worker core-months x 52.00 x 1 for 336 h under 2026.1" in basis
    assert "worker node-months x 400 x 1.03 for 384 h under 2026.2" in basis
    hosts = read_dimension(engine, "vsphere_host").set_index("host")["cpu_cores"]
    carrying = set(estate_frames()["dim_node"]["vsphere_host"])
    # per host: (336 h x cores x 11.50 + 384 h x 500 x 1.03) / 720 h
    assert sum(pools(st, "vmware-licence")) == sum(
        cents((336 * Decimal(int(hosts[h])) * Decimal("11.50") + 384 * Decimal("515")) / 720) for h in carrying)
    sums = st.lines.groupby(["cluster_id", "pool"])["amount"].sum()
    assert all(sums[(p.cluster_id, p.pool)] == p.amount for p in st.pools.itertuples(index=False))
