"""The Dash app factory: shell (header, navigation, router) plus the registered pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component
from sqlalchemy import Engine

from dashboards import cost, theme
from dashboards.config import DashboardConfig
from dashboards.pages import Page

PageRegistrar = Callable[[Dash, Engine, DashboardConfig], Page]

URL = "url"
NAV = "nav"
PAGE_CONTENT = "page-content"


def page_registrars() -> list[PageRegistrar]:
    """The pages of the app, in navigation order."""
    return [cost.register]


def create_app(engine: Engine, config: DashboardConfig | None = None) -> Dash:
    """Build the app on ``engine``. Nothing is read until a page is visited."""
    config = config or DashboardConfig()
    app = Dash(
        __name__,
        title=config.title,
        update_title=None,
        url_base_pathname=config.url_base_pathname,
        suppress_callback_exceptions=True,  # page components exist only while their page is shown
        serve_locally=True,
    )
    app.index_string = theme.INDEX_STRING
    pages = [register(app, engine, config) for register in page_registrars()]
    app.layout = _shell(app, config, pages)
    _register_router(app, pages)
    return app


def _shell(app: Dash, config: DashboardConfig, pages: Sequence[Page]) -> Component:
    return html.Div([
        dcc.Location(id=URL, refresh=False),
        html.Header([
            html.H1(config.title),
            html.Nav([
                dcc.Link(p.name, href=app.get_relative_path("/" + p.path), id=f"nav-{p.path or 'home'}")
                for p in pages
            ], id=NAV),
        ], className="app-header"),
        html.Main(id=PAGE_CONTENT),
    ])


def _register_router(app: Dash, pages: Sequence[Page]) -> None:
    by_path = {p.path: p for p in pages}

    @app.callback(
        Output(PAGE_CONTENT, "children"),
        *[Output(f"nav-{p.path or 'home'}", "className") for p in pages],
        Input(URL, "pathname"),
    )
    def route(pathname: str | None) -> tuple[Component | str, ...]:
        path = (app.strip_relative_path(pathname or "/") or "").strip("/")
        page = by_path.get(path)
        classes = ["active" if p is page else "" for p in pages]
        if page is None:
            return (html.Div([html.H2("Page not found"), html.P(f"Nothing is served at {pathname}.")],
                             className="card notice"), *classes)
        return (page.layout(), *classes)
