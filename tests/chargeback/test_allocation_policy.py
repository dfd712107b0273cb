"""The allocation and rate-card options change what they say on the tiny estate: idle spread over the
tenants, platform cost by effective memory, rate-card quantities of usage or effective usage."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

from chargeback.config import CostModelConfig
from chargeback.statement import compute_statement
from common.windows import Window, next_month, parse_month
from ecs_insight.settings import Settings
from tests.chargeback.conftest import MONTH
from warehouse.chargeback_facts import month_facts


def test_idle_distributed_and_platform_by_memory(tiny_duckdb: tuple[Settings, sa.Engine],
                                                 cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    owner = compute_statement(engine, MONTH, cost_model())
    spread = compute_statement(engine, MONTH, cost_model(allocation={"cpu_share": "0.6", "idle": "distribute",
                                                                     "platform_basis": "memory"}))
    assert "(idle)" in set(owner.lines["namespace"]) and "(idle)" not in set(spread.lines["namespace"])
    assert spread.total == owner.total  # the same pools, allocated differently
    idle = spread.lines[spread.lines["cost_type"] == "idle"]
    assert not idle.empty and all("of the tenants' effective" in b for b in idle["basis"])
    compute = spread.lines[spread.lines["pool"] == "hardware"]
    platform = compute[compute["cost_type"] == "platform"]
    assert set(platform["unit"]) == {"effective memory (GiB-hours)"}
    # platform shares follow the tenants' effective memory within each cluster
    for _, lines in platform.groupby("cluster_id"):
        ratios = {round(float(row.share) / float(row.quantity), 12) for row in lines.itertuples() if row.quantity > 0}
        assert max(ratios) == pytest.approx(min(ratios), rel=1e-6)


@pytest.mark.parametrize(("basis", "column"), [("usage", "cpu_usage_core_hours"),
                                               ("effective", "cpu_effective_core_hours")])
def test_rate_card_charges_the_configured_quantity(tiny_duckdb: tuple[Settings, sa.Engine],
                                                   cost_model: Callable[..., CostModelConfig], basis: str,
                                                   column: str) -> None:
    _, engine = tiny_duckdb
    card = {"basis": basis, "cpu_core_hour": "0.04", "pvc_per_gib_month": {"default": "0.1"}}
    st = compute_statement(engine, MONTH, cost_model(model="rate_card", rate_card=card))
    start = parse_month(MONTH)
    quantities = month_facts(engine, Window(start, next_month(start))).usage.groupby(
        ["cluster_id", "namespace"])[column].sum()
    cpu = st.lines[st.lines["cost_type"] == "cpu"]
    assert not cpu.empty and set(cpu["unit"]) == {f"{basis} core-hours"}
    for row in cpu.itertuples(index=False):
        assert row.quantity == pytest.approx(quantities[(row.cluster_id, row.namespace)], rel=1e-12)
        assert row.rate == Decimal("0.04")
