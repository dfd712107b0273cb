"""What the app shell needs to know about a page: where it lives, its name, how to build it.

Each page package exposes ``register(app, engine, config) -> Page``: it registers its own
callbacks on the app and returns the page. The shell adds a navigation link per page and the
router renders the page whose path matches the URL. More pages (SLOs, capacity, rightsizing)
are added by appending to :func:`dashboards.app.page_registrars`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dash.development.base_component import Component


@dataclass(frozen=True)
class Page:
    """A page of the app.

    ``path`` is relative to the app's URL prefix, without slashes: ``""`` is the home page.
    ``layout`` is called on every visit, so the page reads the warehouse when it is shown.
    """

    path: str
    name: str
    layout: Callable[[], Component]
