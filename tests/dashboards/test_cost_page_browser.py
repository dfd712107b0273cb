"""The cost-by-sector page in headless Chromium (dash_duo), on a DuckDB warehouse with known rows."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from sqlalchemy import Engine

from dashboards import DashboardConfig, create_app
from dashboards.cost import ids
from testbed.procs import free_port

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/ecs-cost-page.png"


def _start(dash_duo, engine: Engine, **settings) -> None:
    app = create_app(engine, DashboardConfig(**settings))
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_element(f"#{ids.PAGE}", timeout=15)


def _cell(dash_duo, table_id: str, row_attr: str, key: str, column: str) -> str:
    return dash_duo.find_element(f'#{table_id} tr[{row_attr}="{key}"] td.col-{column}').text


def _wait_for_rows(dash_duo, selector: str, expected: list[str], attr: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    got: list[str] = []
    while time.monotonic() < deadline:
        got = [e.get_attribute(attr) for e in dash_duo.find_elements(selector)]
        if got == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"{selector}: expected {expected}, got {got}")


def _absent(dash_duo, selector: str) -> bool:
    """True when nothing matches ``selector`` now (without the driver's implicit wait)."""
    dash_duo.driver.implicitly_wait(0)
    try:
        return not dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)
    finally:
        dash_duo.driver.implicitly_wait(2)


def _full_page_screenshot(dash_duo, path: str) -> None:
    height = dash_duo.driver.execute_script("return document.documentElement.scrollHeight")
    width = dash_duo.driver.get_window_size()["width"]
    dash_duo.driver.set_window_size(width, height + 140)  # plus the browser's own chrome
    time.sleep(0.3)  # let the responsive chart settle
    dash_duo.driver.save_screenshot(path)


def test_sector_totals_chart_and_namespace_drill_down(dash_duo, sample_engine: Engine) -> None:
    _start(dash_duo, sample_engine, title="ECS Insight — test")

    # Latest month is preselected; totals equal the inserted sums, rounded half-up to the cent.
    dash_duo.wait_for_text_to_equal(f"#{ids.SECTOR_TOTALS_TITLE}", "Sector totals — March 2025")
    rows = f"#{ids.SECTOR_TOTALS} tbody tr"
    _wait_for_rows(dash_duo, rows, ["CTI", "ICG", "GFTS", "UNALLOCATED"], "data-sector")
    cell = lambda sector, col: _cell(dash_duo, ids.SECTOR_TOTALS, "data-sector", sector, col)  # noqa: E731
    assert cell("CTI", "total_cost") == "3,234,568.50"
    assert cell("CTI", "cpu_cost") == "3,000,000.30"
    assert cell("CTI", "memory_cost") == "234,568.20"  # a float sum would show .19
    assert cell("CTI", "cpu_core_hours") == "3,600,000.8"
    assert cell("CTI", "namespaces") == "3"
    assert cell("ICG", "total_cost") == "2,175,000.00"
    assert cell("GFTS", "total_cost") == "915,000.35"
    assert cell("GFTS", "sector") == "GFTS"
    assert cell("UNALLOCATED", "sector") == "Unallocated"
    assert cell("UNALLOCATED", "total_cost") == "61,500.30"
    total = f"#{ids.SECTOR_TOTALS} tfoot tr.total-row"
    assert dash_duo.find_element(f"{total} td.col-total_cost").text == "6,386,069.15"
    assert dash_duo.find_element(f"{total} td.col-share").text == "100.0 %"
    header = dash_duo.find_element(f"#{ids.SECTOR_TOTALS} thead th.col-total_cost").text
    assert header == "Total cost (USD)"

    # The chart renders one stacked trace per sector, with a bar for each month that has cost.
    dash_duo.wait_for_element(f"#{ids.CHART} .main-svg g.barlayer", timeout=10)
    traces = dash_duo.find_elements(f"#{ids.CHART} g.barlayer g.trace.bars")
    assert len(traces) == 5  # CTI, ICG, PBWM, GFTS, Unallocated
    bars = dash_duo.find_elements(f"#{ids.CHART} g.barlayer g.point path")
    assert len([b for b in bars if b.size["height"] > 0]) == 9
    legend = [e.text for e in dash_duo.find_elements(f"#{ids.CHART} g.legend text.legendtext")]
    assert legend == ["Technology Infrastructure", "Institutional Clients", "Private Bank & Wealth",
                      "GFTS", "Unallocated"]
    ticks = [e.text for e in dash_duo.find_elements(f"#{ids.CHART} g.xtick text")]
    assert ticks == ["Jan 2025", "Feb 2025", "Mar 2025"]
    stack_totals = [e.text for e in dash_duo.find_elements(f"#{ids.CHART} g.annotation text")]
    assert stack_totals == ["3,930,000.00", "6,010,012.00", "6,386,069.15"]

    # No sector chosen yet: the drill-down says how to choose one.
    assert "Click a bar" in dash_duo.find_element(f"#{ids.NAMESPACE_TABLE}").text

    # Clicking a sector row drills into its namespaces, highest cost first.
    dash_duo.find_element(f'#{ids.SECTOR_TOTALS} tr[data-sector="CTI"]').click()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.NAMESPACE_TITLE}", "Namespaces of Technology Infrastructure (CTI) — March 2025")
    ns_rows = f"#{ids.NAMESPACE_TABLE} tbody tr"
    _wait_for_rows(dash_duo, ns_rows, ["c-shared-01/web-portal", "c-cti-01/payments-api",
                                       "c-cti-01/risk-batch"], "data-namespace")
    ns = lambda key, col: _cell(dash_duo, ids.NAMESPACE_TABLE, "data-namespace", key, col)  # noqa: E731
    assert ns("c-shared-01/web-portal", "total_cost") == "2,000,000.50"
    assert ns("c-shared-01/web-portal", "cluster") == "shared-prod"
    assert ns("c-cti-01/payments-api", "total_cost") == "1,234,567.99"
    assert ns("c-cti-01/payments-api", "cpu_core_hours") == "1,200,000.5"
    assert ns("c-cti-01/payments-api", "memory_gib_hours") == "4,800,000.5"
    assert ns("c-cti-01/risk-batch", "total_cost") == "0.01"
    assert ns("c-cti-01/risk-batch", "application") == "risk"
    assert ns("c-cti-01/risk-batch", "cost_centre") == "CC-102"
    # The namespace table's total equals the sector's total in the sector table.
    ns_total = dash_duo.find_element(f"#{ids.NAMESPACE_TABLE} tfoot td.col-total_cost").text
    assert ns_total == "3,234,568.50"
    # Lines with fractions of a cent: 0.30 + 234,567.89 + 0.00 shown against 234,568.20 (exact).
    assert "rounded to the cent" in dash_duo.find_element(f"#{ids.NAMESPACE_TABLE} .rounding-note").text
    assert _absent(dash_duo, f"#{ids.SECTOR_TOTALS} .rounding-note")
    assert "selected" in dash_duo.find_element(
        f'#{ids.SECTOR_TOTALS} tr[data-sector="CTI"]').get_attribute("class")
    assert dash_duo.find_element(f"#{ids.COMPUTED_AT}").text == "Computed 02 Apr 2025 06:00 UTC"
    _full_page_screenshot(dash_duo, SCREENSHOT)

    # Choosing another month and sector in the dropdowns.
    dash_duo.select_dcc_dropdown(f"#{ids.MONTH_SELECT}", value="February 2025")
    dash_duo.wait_for_text_to_equal(f"#{ids.SECTOR_TOTALS_TITLE}", "Sector totals — February 2025")
    _wait_for_rows(dash_duo, rows, ["CTI", "ICG", "PBWM"], "data-sector")
    assert cell("PBWM", "total_cost") == "1,020,012.00"
    dash_duo.select_dcc_dropdown(f"#{ids.SECTOR_SELECT}", value="Private Bank & Wealth (PBWM)")
    dash_duo.wait_for_text_to_equal(
        f"#{ids.NAMESPACE_TITLE}", "Namespaces of Private Bank & Wealth (PBWM) — February 2025")
    _wait_for_rows(dash_duo, ns_rows, ["c-shared-01/wealth-web", "c-shared-01/wealth-batch"],
                   "data-namespace")
    assert ns("c-shared-01/wealth-web", "total_cost") == "1,020,000.00"
    assert ns("c-shared-01/wealth-batch", "total_cost") == "12.00"
    assert ns("c-shared-01/wealth-batch", "cpu_cost") == "7.25"

    # Clicking a bar selects its month and sector: CTI's trace comes first, January is its first bar.
    january_bar = dash_duo.find_elements(f"#{ids.CHART} g.barlayer g.trace.bars")[0].find_elements(
        By.CSS_SELECTOR, "g.point path")[0]
    ActionChains(dash_duo.driver).move_to_element(january_bar).click().perform()
    dash_duo.wait_for_text_to_equal(
        f"#{ids.NAMESPACE_TITLE}", "Namespaces of Technology Infrastructure (CTI) — January 2025")
    _wait_for_rows(dash_duo, ns_rows, ["c-cti-01/payments-api"], "data-namespace")
    assert ns("c-cti-01/payments-api", "total_cost") == "2,980,000.00"
    dash_duo.wait_for_text_to_equal(f"#{ids.SECTOR_TOTALS_TITLE}", "Sector totals — January 2025")

    assert dash_duo.get_logs() == []


def test_empty_warehouse_shows_how_to_fill_it(dash_duo, duckdb_engine: Engine) -> None:
    _start(dash_duo, duckdb_engine)
    message = dash_duo.wait_for_element(f"#{ids.EMPTY}").text
    assert "No chargeback computed yet — run ecs-insight demo" in message
    assert _absent(dash_duo, f"#{ids.CHART}")
    dash_duo.driver.save_screenshot("/tmp/ecs-cost-page-empty.png")
    assert dash_duo.get_logs() == []
