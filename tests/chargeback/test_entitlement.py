"""Entitlement on the tiny estate: purchased (averaged over the month's hours) against requested and
used, expected from the estate's own frames; the unused purchase's cost from the statement's charges."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from chargeback.config import Entitlement
from chargeback.rounding import cents, dec
from chargeback.statement import compute_statement
from ecs_insight.settings import Settings
from estate import SyntheticEstate
from tests.chargeback.conftest import GIB, HOURS, MONTH, TINY, estate_frames

ENTITLEMENTS = [
    {"sector": "CTI", "cores": "400", "memory_gib": "200", "storage_tb": "1", "effective_from": "2026-01-01"},
    # ICG buys 10 cores until 10 September, then 30: (10 x 240 h + 30 x 480 h) / 720 h
    {"sector": "ICG", "cores": "10", "effective_from": "2026-01-01", "effective_to": "2026-09-10"},
    {"sector": "ICG", "cores": "30", "effective_from": "2026-09-11"},
]


def tenant_hours(sector: str) -> pd.Series:
    """The sector's tenant namespaces' summed CPU and memory usage and requests, from the estate."""
    ns = SyntheticEstate(TINY).truth.expected_namespace_mapping()
    tenants = ns[(ns["sector_id"] == sector) & ~ns["is_platform"]][["cluster_id", "namespace"]]
    pods = estate_frames()["pod_usage_hourly"].merge(tenants, on=["cluster_id", "namespace"])
    return pods[["cpu_request_core_seconds", "cpu_usage_core_seconds", "memory_request_byte_seconds",
                 "memory_usage_byte_seconds"]].sum()


@pytest.fixture(scope="module")
def rows(tiny_duckdb: tuple[Settings, sa.Engine]) -> tuple:
    settings, engine = tiny_duckdb
    config = settings.chargeback.cost_model.model_copy(
        update={"entitlements": [Entitlement.model_validate(e) for e in ENTITLEMENTS]})
    st = compute_statement(engine, MONTH, config)
    return st, config, st.entitlement.set_index(["sector_id", "resource"])


def test_requested_and_used_are_the_tenants_hourly_averages(rows: tuple) -> None:
    _, _, ent = rows
    truth = tenant_hours("CTI")
    cpu, memory = ent.loc[("CTI", "cpu")], ent.loc[("CTI", "memory")]
    assert cpu["requested"] == pytest.approx(truth["cpu_request_core_seconds"] / 3600 / HOURS, rel=1e-9)
    assert cpu["used"] == pytest.approx(truth["cpu_usage_core_seconds"] / 3600 / HOURS, rel=1e-9)
    assert memory["requested"] == pytest.approx(truth["memory_request_byte_seconds"] / 3600 / GIB / HOURS, rel=1e-9)
    assert memory["used"] == pytest.approx(truth["memory_usage_byte_seconds"] / 3600 / GIB / HOURS, rel=1e-9)
    assert cpu["purchased"] == 400.0 and memory["purchased"] == 200.0


def test_unused_purchase_costs_its_share_of_the_sectors_charge(rows: tuple) -> None:
    st, config, ent = rows
    cpu = ent.loc[("CTI", "cpu")]
    unused = 400.0 - max(cpu["requested"], cpu["used"])
    assert unused > 0  # 400 cores are more than the tiny estate's CTI tenants ask for
    lines = st.lines
    compute = lines[(lines["sector_id"] == "CTI")
                    & lines["pool"].isin(["hardware", "vmware-licence", "openshift-licence", "support",
                                          "network"])]["amount"].sum()
    expected = cents(compute * config.allocation.cpu_share * dec(unused) / Decimal(400))
    assert cpu["unused_amount"] == expected and expected > 0
    assert "neither requested nor used" in cpu["basis"]


def test_a_purchase_changed_mid_month_counts_by_its_hours(rows: tuple) -> None:
    _, _, ent = rows
    icg = ent.loc[("ICG", "cpu")]
    assert icg["purchased"] == pytest.approx((10 * 240 + 30 * 480) / 720)
    assert "2026-01-01 to 2026-09-10 for 240 h" in icg["basis"] and "2026-09-11 to open for 480 h" in icg["basis"]
    assert ("ICG", "memory") not in ent.index  # nothing bought, no row


def test_unused_purchase_under_the_rate_card_costs_its_share_of_the_rates(tiny_duckdb: tuple[Settings, sa.Engine]
                                                                         ) -> None:
    """The rate card's CPU rate is all CPU, its node and cluster fees split by cpu_share: an unused
    purchase costs its fraction of those, not nothing."""
    settings, engine = tiny_duckdb
    config = settings.chargeback.cost_model.model_copy(
        update={"model": "rate_card", "entitlements": [Entitlement.model_validate(e) for e in ENTITLEMENTS]})
    st = compute_statement(engine, MONTH, config)
    cpu = st.entitlement.set_index(["sector_id", "resource"]).loc[("CTI", "cpu")]
    unused = 400.0 - max(cpu["requested"], cpu["used"])
    cti = st.lines[st.lines["sector_id"] == "CTI"]
    rated = cti[cti["pool"] == "cpu-rate"]["amount"].sum()
    fees = cti[cti["pool"].isin(["node-months", "cluster-month"])]["amount"].sum()
    assert rated > 0 and fees > 0
    charge = rated + fees * config.allocation.cpu_share
    assert cpu["unused_amount"] == cents(charge * dec(unused) / Decimal(400)) > 0
    assert f"({cents(charge)})" in cpu["basis"]
