"""Shared fixtures: real warehouse databases on both engines.

- ``postgres_server`` (session): one PostgreSQL 15 server for the whole run, started on a free
  loopback port and stopped at the end even when tests fail; the value is its base URL
  ``postgresql+psycopg://app@127.0.0.1:PORT/postgres``. ``postgres_instance`` is the same server
  as a :class:`testbed.postgres.PostgresServer` (port, ``create_database``, log tail).
- ``postgres_url``: a fresh, empty PostgreSQL database for one test, dropped afterwards.
- ``duckdb_url``: a DuckDB file in the test's ``tmp_path`` (created on first connect).
- ``warehouse_url``: runs the test once per engine, ids ``duckdb`` and ``postgres``.
- ``warehouse_engine``: an engine on that database with the schema migrated to head.

Every test that uses the PostgreSQL server carries the ``postgres`` marker, so
``-m "not postgres"`` selects the tests that need no server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from testbed.postgres import PostgresServer, PostgresUnavailable, start_postgres
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade

_SERVER_FIXTURES = {"postgres_instance", "postgres_server", "postgres_url"}


@pytest.fixture(scope="session")
def postgres_instance() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server; fails (never skips) when PostgreSQL is not installed."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        problem = str(exc)
    else:
        problem = None
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server(postgres_instance: PostgresServer) -> str:
    """Base URL of the session's PostgreSQL server (the ``postgres`` maintenance database)."""
    return postgres_instance.url


@pytest.fixture
def postgres_url(postgres_instance: PostgresServer) -> Iterator[str]:
    """URL of a new empty PostgreSQL database, dropped (connections and all) after the test."""
    name = postgres_instance.create_database()
    try:
        yield postgres_instance.url_for(name)
    finally:
        postgres_instance.drop_database(name)


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    """URL of a DuckDB file in the test's temporary directory."""
    return f"duckdb:///{tmp_path / 'wh.duckdb'}"


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """An empty warehouse database URL, once per engine."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def warehouse_engine(warehouse_url: str) -> Iterator[sa.Engine]:
    """An engine on a freshly migrated warehouse, once per engine."""
    engine = create_warehouse_engine(warehouse_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Puts the root logger back after each test: a CLI run in-process points it at the test's
    captured stderr, which is closed once the test ends, and later log records would fail there."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that (directly or through other fixtures) needs the PostgreSQL server."""
    for item in items:
        if _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
