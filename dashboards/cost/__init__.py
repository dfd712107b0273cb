"""The cost-by-sector page: monthly chargeback per sector, drilling into namespaces."""

from __future__ import annotations

from dash import Dash
from sqlalchemy import Engine

from dashboards.config import DashboardConfig
from dashboards.cost import callbacks, layout
from dashboards.pages import Page


def register(app: Dash, engine: Engine, config: DashboardConfig) -> Page:
    """Register the page's callbacks on ``app`` and return the page (served at the app root)."""
    callbacks.register(app, engine, config)
    return Page(path="", name="Cost by sector", layout=lambda: layout.layout(engine, config))
