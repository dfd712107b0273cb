"""Callbacks of the cost-by-sector page. Each one reads the warehouse through warehouse.queries."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, ctx, html, no_update
from sqlalchemy import Engine

from common.names import UNALLOCATED_NAME
from dashboards.config import DashboardConfig
from dashboards.cost import ids
from dashboards.cost.figures import cost_by_sector_chart
from dashboards.cost.tables import namespace_table, sector_totals_table
from dashboards.formatting import month_label
from warehouse.queries import (
    chargeback_computed_at,
    chargeback_months,
    cost_by_namespace,
    cost_by_sector_month,
)


def register(app: Dash, engine: Engine, config: DashboardConfig) -> None:
    """Register the page's callbacks on ``app``."""
    model = config.cost_model

    @app.callback(
        Output(ids.CHART, "figure"),
        Output(ids.CHART_NOTE, "children"),
        Output(ids.SECTOR_TOTALS_TITLE, "children"),
        Output(ids.COMPUTED_AT, "children"),
        Output(ids.SECTOR_TOTALS, "children"),
        Output(ids.SECTOR_SELECT, "options"),
        Input(ids.MONTH_SELECT, "value"),
        Input(ids.SECTOR_SELECT, "value"),
    )
    def show_month(month: str | None, sector_id: str | None) -> tuple[Any, ...]:
        months = chargeback_months(engine, model)[-config.chart_months:]
        chart_frame = cost_by_sector_month(engine, model, first_month=months[0] if months else None)
        chart = cost_by_sector_chart(chart_frame, months, month, config.currency_display)
        note = ""
        if chart.omitted_currencies:
            note = ("Amounts in " + ", ".join(chart.omitted_currencies)
                    + " are not charted; the tables below show them.")
        if month is None:
            return chart.figure, note, "Sector totals", "", html.P("Choose a month."), []
        # The chart's rows cover every charted month; only an older month needs a query of its own.
        if month in months:
            frame = chart_frame[chart_frame["month"] == month]
        else:
            frame = cost_by_sector_month(engine, model, first_month=month, last_month=month)
        options = [
            {"label": f"{name} ({sid})" if name not in (sid, UNALLOCATED_NAME) else name, "value": sid}
            for sid, name in sorted(set(zip(frame["sector_id"], frame["sector_name"], strict=True)),
                                    key=lambda p: p[1].lower())
        ]
        title = f"Sector totals — {month_label(month)}"
        computed = chargeback_computed_at(engine, month, model)
        computed_text = f"Computed {computed:%d %b %Y %H:%M} UTC" if computed else ""
        if frame.empty:
            return chart.figure, note, title, computed_text, html.P("No chargeback lines this month."), options
        table = sector_totals_table(frame, sector_id, config.currency_display)
        return chart.figure, note, title, computed_text, table, options

    @app.callback(
        Output(ids.NAMESPACE_TITLE, "children"),
        Output(ids.NAMESPACE_TABLE, "children"),
        Input(ids.MONTH_SELECT, "value"),
        Input(ids.SECTOR_SELECT, "value"),
    )
    def show_namespaces(month: str | None, sector_id: str | None) -> tuple[Any, Any]:
        if not month or not sector_id:
            return "Namespaces", html.P(
                "Click a bar in the chart or a row in the sector table, or choose a sector above, "
                "to see its namespaces.", className="hint")
        frame = cost_by_namespace(engine, month, sector_id, model)
        sectors = cost_by_sector_month(engine, model, first_month=month, last_month=month)
        names = dict(zip(sectors["sector_id"], sectors["sector_name"], strict=True))
        name = names.get(sector_id, sector_id)
        label = name if name in (sector_id, UNALLOCATED_NAME) else f"{name} ({sector_id})"
        title = f"Namespaces of {label} — {month_label(month)}"
        if frame.empty:
            return title, html.P(f"No chargeback lines for {label} in {month_label(month)}.",
                                 className="hint")
        return title, namespace_table(frame, config.currency_display)

    @app.callback(
        Output(ids.MONTH_SELECT, "value"),
        Output(ids.SECTOR_SELECT, "value"),
        Input(ids.CHART, "clickData"),
        Input({"type": ids.SECTOR_ROW, "sector": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def select_from_click(click: dict[str, Any] | None, _row_clicks: list[int | None]) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if trigger == ids.CHART:
            points = (click or {}).get("points") or []
            if not points or not points[0].get("customdata"):
                return no_update, no_update
            sector_id, month = points[0]["customdata"][:2]
            return month, sector_id
        if isinstance(trigger, dict) and trigger.get("type") == ids.SECTOR_ROW:
            # Rows are re-created whenever the table is redrawn; only a real click counts.
            if not any(t.get("value") for t in ctx.triggered):
                return no_update, no_update
            return no_update, trigger["sector"]
        return no_update, no_update
