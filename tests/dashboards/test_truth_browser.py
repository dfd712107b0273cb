"""The cost page, served on a warehouse built from the simulated estate, shows the estate's truth.

The expected amounts are computed here from the estate's own ground truth (effective usage per
namespace and the intended sector of each namespace) and the configured rates, independently of
the warehouse's SQL; the browser reads what a finance user would read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from chargeback.flat_rate import money
from common.names import UNALLOCATED
from dashboards import create_app
from dashboards.cost import ids
from ecs_insight.settings import Settings, load_settings
from estate import SyntheticEstate
from testbed.procs import free_port
from tests.support.estate_warehouse import build_priced_warehouse

pytestmark = pytest.mark.browser
MONTH = "2026-09"


@pytest.fixture(scope="module")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, sa.Engine]:
    folder = tmp_path_factory.mktemp("truth")
    config = folder / "tiny.yaml"
    config.write_text(f"warehouse:\n  url: duckdb:///{folder / 'wh.duckdb'}\n"
                      "sources:\n  synthetic:\n    profile: tiny\n    seed: 11\n")
    settings = load_settings(Path(config), environ={})
    engine = build_priced_warehouse(settings)
    yield settings, engine
    engine.dispose()


def expected_sector_totals(settings: Settings) -> dict[str, Decimal]:
    truth = SyntheticEstate(settings.sources.synthetic).truth
    usage = truth.effective_usage(MONTH)
    mapping = truth.expected_namespace_mapping()[["cluster_id", "namespace", "sector_id"]]
    lines = usage.merge(mapping, on=["cluster_id", "namespace"], how="left")
    rates = settings.chargeback.flat
    totals: dict[str, Decimal] = {}
    for line in lines.itertuples():
        sector = line.sector_id if isinstance(line.sector_id, str) else UNALLOCATED
        amount = (money(Decimal(str(line.cpu_effective_core_hours)) * rates.cpu_core_hour)
                  + money(Decimal(str(line.memory_effective_gib_hours)) * rates.memory_gib_hour))
        totals[sector] = totals.get(sector, Decimal(0)) + amount
    return totals


def test_page_totals_equal_the_simulated_truth(dash_duo, tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    expected = expected_sector_totals(settings)
    assert set(expected) >= {"CTI", "ICG", UNALLOCATED}

    dash_duo.start_server(create_app(engine, settings.dashboard), port=free_port())
    dash_duo.wait_for_element(f"#{ids.PAGE}", timeout=15)
    dash_duo.wait_for_text_to_equal(f"#{ids.SECTOR_TOTALS_TITLE}", "Sector totals — September 2026")
    for sector, amount in expected.items():
        selector = f'#{ids.SECTOR_TOTALS} tr[data-sector="{sector}"] td.col-total_cost'
        dash_duo.wait_for_text_to_equal(selector, f"{amount:,.2f}", timeout=10)
    grand_total = sum(expected.values(), Decimal(0))
    assert dash_duo.find_element(f"#{ids.SECTOR_TOTALS} tfoot tr.total-row td.col-total_cost").text == \
        f"{grand_total:,.2f}"
    assert dash_duo.get_logs() == []
