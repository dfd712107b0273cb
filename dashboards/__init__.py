"""Dash pages over the warehouse and the chargeback results.

``create_app(engine, config)`` builds the app; ``DashboardConfig`` holds its settings. The app
factory is imported lazily so that reading the settings model does not import Dash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dashboards.config import DashboardConfig

if TYPE_CHECKING:
    from dashboards.app import create_app

__all__ = ["DashboardConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from dashboards.app import create_app

        return create_app
    raise AttributeError(name)
