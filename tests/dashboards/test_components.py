"""Config, formatting, tables, figure and layout of the cost page, without a browser."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
from dash import html
from plotly.utils import PlotlyJSONEncoder
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine

from dashboards import DashboardConfig, create_app
from dashboards.cost import ids
from dashboards.cost.figures import UNALLOCATED_COLOUR, cost_by_sector_chart, sector_colours
from dashboards.cost.layout import layout
from dashboards.cost.tables import namespace_table, rounding_differs, sector_totals_table
from dashboards.formatting import money, month_label, percent, quantity, short_month_label, to_cents
from testbed.procs import free_port
from warehouse.queries import cost_by_namespace, cost_by_sector_month


def _find(component, predicate) -> list:
    """Components of a Dash tree for which ``predicate`` is true, depth first."""
    found = [component] if predicate(component) else []
    children = getattr(component, "children", None)
    if children is None:
        return found
    for child in children if isinstance(children, list | tuple) else [children]:
        found += _find(child, predicate)
    return found


def _cells(table, column: str) -> list[str]:
    return [c.children for c in _find(table, lambda c: isinstance(c, html.Td)
                                      and f"col-{column}" in (c.className or "").split())]


# --------------------------------------------------------------------------- config

def test_every_setting_is_documented() -> None:
    for name, field in DashboardConfig.model_fields.items():
        assert field.description, f"DashboardConfig.{name} has no description"


def test_config_rejects_unknown_and_bad_values() -> None:
    with pytest.raises(ValidationError, match="extra"):
        DashboardConfig(colour="blue")
    with pytest.raises(ValidationError, match="url_base_pathname"):
        DashboardConfig(url_base_pathname="insight")
    with pytest.raises(ValidationError, match="currency_display"):
        DashboardConfig(currency_display="name")
    assert DashboardConfig().cost_model == "flat"


# --------------------------------------------------------------------------- formatting

@pytest.mark.parametrize(("value", "text"), [
    (Decimal("1234.565"), "1,234.57"),
    (Decimal("1234.564999"), "1,234.56"),
    (Decimal("-1234.565"), "-1,234.57"),
    (Decimal("-0.004"), "0.00"),
    (Decimal("3234568.499"), "3,234,568.50"),
    (Decimal("0"), "0.00"),
    (None, ""),
])
def test_money(value, text) -> None:
    assert money(value) == text


def test_quantities_percent_and_months() -> None:
    assert quantity(4800000.25) == "4,800,000.3"  # half-up, not the float's half-even
    assert quantity(float("nan")) == ""
    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert percent(Decimal(1), Decimal(3)) == "33.3 %"
    assert percent(Decimal("0.01"), Decimal(1000)) == "< 0.1 %"
    assert percent(Decimal(1), Decimal(0)) == ""
    assert month_label("2025-03") == "March 2025"
    assert short_month_label("2025-12") == "Dec 2025"
    assert month_label("bad") == "bad"


# --------------------------------------------------------------------------- tables

def test_sector_totals_table(sample_engine: Engine) -> None:
    frame = cost_by_sector_month(sample_engine, first_month="2025-03", last_month="2025-03")
    table = sector_totals_table(frame, "ICG", "code")
    rows = _find(table, lambda c: isinstance(c, html.Tr) and "sector-row" in (getattr(c, "className", None) or ""))
    assert [r.id["sector"] for r in rows] == ["CTI", "ICG", "GFTS", "UNALLOCATED"]
    assert [r.className for r in rows].count("sector-row selected") == 1
    assert _cells(table, "total_cost") == ["3,234,568.50", "2,175,000.00", "915,000.35", "61,500.30",
                                           "6,386,069.15"]
    assert _cells(table, "share")[-1] == "100.0 %"
    headers = [h.children for h in _find(table, lambda c: isinstance(c, html.Th))]
    assert "Total cost (USD)" in headers
    assert not rounding_differs(frame)


def test_symbol_currency_display(sample_engine: Engine) -> None:
    frame = cost_by_sector_month(sample_engine, first_month="2025-03", last_month="2025-03")
    frame["currency"] = "EUR"
    table = sector_totals_table(frame, None, "symbol")
    headers = [h.children for h in _find(table, lambda c: isinstance(c, html.Th))]
    assert "Total cost (€)" in headers


def test_mixed_currencies_are_totalled_separately(sample_engine: Engine) -> None:
    frame = cost_by_sector_month(sample_engine, first_month="2025-03", last_month="2025-03")
    frame.loc[frame["sector_id"] == "GFTS", "currency"] = "GBP"
    table = sector_totals_table(frame, None, "code")
    headers = [h.children for h in _find(table, lambda c: isinstance(c, html.Th))]
    assert "Currency" in headers and "Total cost" in headers
    totals = _find(table, lambda c: isinstance(c, html.Tr) and getattr(c, "className", None) == "total-row")
    assert [_cells(t, "sector")[0] for t in totals] == ["Total GBP", "Total USD"]
    assert [_cells(t, "total_cost")[0] for t in totals] == ["915,000.35", "5,471,068.80"]

    chart = cost_by_sector_chart(frame, ["2025-03"], "2025-03", "code")
    assert chart.omitted_currencies == ["GBP"]
    assert "GFTS" not in [t.name for t in chart.figure.data]


def test_namespace_table_and_rounding_note(sample_engine: Engine) -> None:
    frame = cost_by_namespace(sample_engine, "2025-03", "CTI")
    table = namespace_table(frame, "code")
    assert _cells(table, "namespace") == ["web-portal", "payments-api", "risk-batch", "3 namespaces"]
    assert _cells(table, "memory_cost") == ["0.30", "234,567.89", "0.00", "234,568.20"]
    assert rounding_differs(frame)
    assert _find(table, lambda c: "rounding-note" in (getattr(c, "className", None) or ""))
    pbwm = cost_by_namespace(sample_engine, "2025-02", "PBWM")
    assert not rounding_differs(pbwm)
    unallocated = namespace_table(cost_by_namespace(sample_engine, "2025-03", "UNALLOCATED"), "code")
    assert _cells(unallocated, "application") == ["—", ""]


# --------------------------------------------------------------------------- figure

def test_chart_traces_order_colours_and_click_data(sample_engine: Engine) -> None:
    months = ["2025-01", "2025-02", "2025-03"]
    chart = cost_by_sector_chart(cost_by_sector_month(sample_engine), months, "2025-02", "code")
    fig = chart.figure
    assert [t.name for t in fig.data] == ["Technology Infrastructure", "Institutional Clients",
                                          "Private Bank & Wealth", "GFTS", "Unallocated"]
    assert fig.layout.barmode == "stack"
    cti = fig.data[0]
    assert list(cti.x) == ["Jan 2025", "Feb 2025", "Mar 2025"]
    assert [list(c[:3]) for c in cti.customdata] == [
        ["CTI", "2025-01", "2,980,000.00"], ["CTI", "2025-02", "3,090,000.00"],
        ["CTI", "2025-03", "3,234,568.50"]]
    assert fig.data[-1].marker.color == UNALLOCATED_COLOUR
    assert [a.text for a in fig.layout.annotations] == ["3,930,000.00", "6,010,012.00", "6,386,069.15"]
    assert fig.layout.shapes[0].x0 == 0.5  # the selected month's band
    assert fig.layout.yaxis.title.text == "Total cost (USD)"
    assert chart.omitted_currencies == []


def test_sector_colours_are_stable() -> None:
    a = sector_colours(["ICG", "CTI", "UNALLOCATED"])
    b = sector_colours(["CTI", "UNALLOCATED", "ICG"])
    assert a == b and a["UNALLOCATED"] == UNALLOCATED_COLOUR and a["CTI"] != a["ICG"]


def test_empty_chart() -> None:
    frame = pd.DataFrame(columns=["month", "sector_id", "sector_name", "currency", "total_cost"])
    assert cost_by_sector_chart(frame, [], None, "code").figure.data == ()


# --------------------------------------------------------------------------- layout and app

def test_layout_states(duckdb_engine: Engine, tmp_path) -> None:
    config = DashboardConfig()
    assert _find(layout(duckdb_engine, config), lambda c: getattr(c, "id", None) == ids.EMPTY)

    bare = create_engine(f"duckdb:///{tmp_path / 'no-schema.duckdb'}")  # migrations never ran
    assert _find(layout(bare, config), lambda c: getattr(c, "id", None) == ids.EMPTY)
    bare.dispose()

    unreachable = create_engine(f"postgresql+psycopg://app@127.0.0.1:{free_port()}/postgres")
    page = layout(unreachable, config)
    assert _find(page, lambda c: getattr(c, "id", None) == ids.ERROR)


def test_empty_message_names_other_models(sample_engine: Engine) -> None:
    page = layout(sample_engine, DashboardConfig(cost_model="tiered"))
    [message] = _find(page, lambda c: getattr(c, "id", None) == ids.EMPTY)
    text = str(message.children)
    assert "flat, usage" in text and "tiered" in text


def test_layout_preselects_latest_month(sample_engine: Engine) -> None:
    page = layout(sample_engine, DashboardConfig())
    [month] = _find(page, lambda c: getattr(c, "id", None) == ids.MONTH_SELECT)
    assert month.value == "2025-03"
    assert [o["label"] for o in month.options] == ["March 2025", "February 2025", "January 2025"]


def _show_month(engine: Engine, config: DashboardConfig):
    """The month callback of the cost page, as registered on a new app."""
    app = create_app(engine, config)
    [callback] = [v["callback"].__wrapped__ for key, v in app.callback_map.items()
                  if key.startswith(f"..{ids.CHART}.figure.")]
    return callback


def test_month_tables_are_the_same_whether_the_month_is_charted_or_not(sample_engine: Engine) -> None:
    every_month = _show_month(sample_engine, DashboardConfig())
    last_month_only = _show_month(sample_engine, DashboardConfig(chart_months=1))
    for month in ("2025-01", "2025-02", "2025-03"):
        charted, uncharted = every_month(month, "PBWM"), last_month_only(month, "PBWM")
        # Title, computed-at, sector table and sector options (the chart itself differs).
        assert json.dumps(charted[2:], cls=PlotlyJSONEncoder) == json.dumps(uncharted[2:], cls=PlotlyJSONEncoder)
    february = every_month("2025-02", None)
    assert february[2] == "Sector totals — February 2025"
    assert _cells(february[4], "total_cost") == ["3,090,000.00", "1,900,000.00", "1,020,012.00", "6,010,012.00"]
    assert [o["value"] for o in february[5]] == ["ICG", "PBWM", "CTI"]


def test_create_app_reads_nothing_until_visited() -> None:
    unreachable = create_engine(f"postgresql+psycopg://app@127.0.0.1:{free_port()}/postgres")
    app = create_app(unreachable, DashboardConfig(title="Finance view", url_base_pathname="/insight/"))
    client = app.server.test_client()
    page = client.get("/insight/")
    assert page.status_code == 200
    assert b"<title>Finance view</title>" in page.data
    assert client.get("/insight/_dash-layout").status_code == 200
