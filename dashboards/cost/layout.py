"""Layout of the cost-by-sector page, built on each visit from what the warehouse holds."""

from __future__ import annotations

import logging

from dash import dcc, html
from dash.development.base_component import Component
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from dashboards.config import DashboardConfig
from dashboards.cost import ids
from dashboards.formatting import month_label
from warehouse.queries import chargeback_models, chargeback_months
from warehouse.schema import chargeback_result

log = logging.getLogger(__name__)

DEMO_COMMAND = "ecs-insight demo"


def empty_message(config: DashboardConfig, other_models: list[str]) -> html.Div:
    """What the page shows before any chargeback has been computed for the configured model."""
    text: list[Component | str] = [
        html.H2("Cost by sector"),
        html.P([
            "No chargeback computed yet — run ",
            html.Code(DEMO_COMMAND),
            f" to load the simulated estate and compute the chargeback (cost model “{config.cost_model}”).",
        ]),
    ]
    if other_models:
        text.append(html.P(
            "Results exist for other cost models: " + ", ".join(other_models)
            + ". The dashboard's cost_model setting selects which one is shown."
        ))
    return html.Div(text, id=ids.EMPTY, className="card notice")


def error_message(exc: Exception) -> html.Div:
    return html.Div([
        html.H2("The warehouse could not be read"),
        html.P(f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"),
    ], id=ids.ERROR, className="card notice error")


def _months(engine: Engine, config: DashboardConfig) -> tuple[list[str], list[str]]:
    """Months with results for the configured model, and the other models that have results.

    A warehouse whose schema has not been created yet counts as empty.
    """
    if not inspect(engine).has_table(chargeback_result.name):
        return [], []
    months = chargeback_months(engine, config.cost_model)
    others = [] if months else [m for m in chargeback_models(engine) if m != config.cost_model]
    return months, others


def layout(engine: Engine, config: DashboardConfig) -> Component:
    """The page: month and sector pickers, chart, sector totals and the namespace drill-down."""
    try:
        months, other_models = _months(engine, config)
    except SQLAlchemyError as exc:
        log.warning("cost page: warehouse read failed: %s", exc)
        return html.Div(error_message(exc), id=ids.PAGE)
    if not months:
        return html.Div(empty_message(config, other_models), id=ids.PAGE)

    month_options = [{"label": month_label(m), "value": m} for m in reversed(months)]
    return html.Div([
        html.Div([
            html.Div([
                html.H2("Cost by sector"),
                html.P(f"Monthly chargeback, cost model “{config.cost_model}”. "
                       "Click a bar or a sector row to see its namespaces.", className="subtitle"),
            ]),
            html.Div([
                html.Label([html.Span("Month"), dcc.Dropdown(
                    id=ids.MONTH_SELECT, options=month_options, value=months[-1], clearable=False,
                    searchable=False,
                )], className="control"),
                html.Label([html.Span("Sector"), dcc.Dropdown(
                    id=ids.SECTOR_SELECT, options=[], value=None, clearable=True,
                    placeholder="Choose a sector…",
                )], className="control control-wide"),
            ], className="controls"),
        ], className="page-head"),
        html.Div([
            dcc.Graph(id=ids.CHART, config={"displaylogo": False, "responsive": True,
                                            "modeBarButtonsToRemove": ["select2d", "lasso2d"]}),
            html.P(id=ids.CHART_NOTE, className="note"),
        ], className="card"),
        html.Div([
            html.Div([
                html.H3(id=ids.SECTOR_TOTALS_TITLE),
                html.Span(id=ids.COMPUTED_AT, className="note"),
            ], className="card-head"),
            html.Div(id=ids.SECTOR_TOTALS, className="table-wrap"),
        ], className="card"),
        html.Div([
            html.H3(id=ids.NAMESPACE_TITLE),
            html.Div(id=ids.NAMESPACE_TABLE, className="table-wrap"),
        ], className="card"),
    ], id=ids.PAGE)
