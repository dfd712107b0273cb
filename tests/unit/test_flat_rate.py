"""Flat-rate pricing: exact cents per line, unallocated kept, and sums that conserve."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chargeback.flat_rate import FlatRateConfig, money, price_lines
from common.names import UNALLOCATED

CONFIG = FlatRateConfig(cpu_core_hour=Decimal("0.035"), memory_gib_hour=Decimal("0.0045"))


def test_line_is_quantity_times_rate_rounded_half_up() -> None:
    usage = pd.DataFrame({"cluster_id": ["c"], "namespace": ["n"], "cpu_effective_core_hours": [100.5],
                          "memory_effective_gib_hours": [1001.0]})
    mapping = pd.DataFrame({"cluster_id": ["c"], "namespace": ["n"], "sector_id": ["CTI"],
                            "application": ["a"], "cost_centre": ["cc"]})
    line = price_lines(usage, mapping, CONFIG).iloc[0]
    assert line.cpu_cost == Decimal("3.52")  # 3.5175 rounds half up
    assert line.memory_cost == Decimal("4.50")  # 4.5045
    assert line.total_cost == Decimal("8.02")
    assert line.sector_id == "CTI"


def test_unmapped_namespace_lands_in_unallocated() -> None:
    usage = pd.DataFrame({"cluster_id": ["c", "c"], "namespace": ["n", "lost"],
                          "cpu_effective_core_hours": [1.0, 2.0], "memory_effective_gib_hours": [1.0, 2.0]})
    mapping = pd.DataFrame({"cluster_id": ["c", "c"], "namespace": ["n", "lost"], "sector_id": ["CTI", None],
                            "application": [None, None], "cost_centre": [None, None]})
    lines = price_lines(usage, mapping, CONFIG).set_index("namespace")
    assert lines.loc["lost", "sector_id"] == UNALLOCATED
    assert lines.loc["lost", "total_cost"] > 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e7)), min_size=1, max_size=30))
def test_total_is_sum_of_parts_to_the_cent(quantities: list[tuple[float, float]]) -> None:
    usage = pd.DataFrame({"cluster_id": "c", "namespace": [f"n{i}" for i in range(len(quantities))],
                          "cpu_effective_core_hours": [q[0] for q in quantities],
                          "memory_effective_gib_hours": [q[1] for q in quantities]})
    mapping = usage[["cluster_id", "namespace"]].assign(sector_id="CTI", application=None, cost_centre=None)
    lines = price_lines(usage, mapping, CONFIG)
    for line in lines.itertuples():
        assert line.total_cost == line.cpu_cost + line.memory_cost
        assert line.cpu_cost.as_tuple().exponent == -2
        assert abs(line.cpu_cost - Decimal(str(line.cpu_effective_core_hours)) * CONFIG.cpu_core_hour) <= Decimal(
            "0.005")


def test_money_rounds_half_up() -> None:
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(2.675) == Decimal("2.68")
