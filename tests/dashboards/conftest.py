"""Fixtures of the dashboard tests: warehouses on a real DuckDB file and on PostgreSQL, and the
headless Chromium that ``dash_duo`` drives.

Browser defaults: ``--headless`` and ``--webdriver Chrome`` apply without command-line flags
(set ``ECS_TEST_HEADED=1`` to watch the browser on a machine with a display). Chrome runs as
root here, so it needs ``--no-sandbox``; each browser gets a fresh profile directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from tests.dashboards import sample
from warehouse.schema import metadata

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1440,1100",
)

_profile_dirs: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # dash's plugin adds --headless (default off) and --webdriver (default Chrome).
    if hasattr(config.option, "headless") and not os.environ.get("ECS_TEST_HEADED"):
        config.option.headless = True
    if getattr(config.option, "webdriver", None) is None:
        config.option.webdriver = "Chrome"
    # Use the installed chromedriver directly: Selenium Manager would otherwise look up driver
    # versions on the internet first.
    driver = shutil.which("chromedriver")
    if driver:
        os.environ.setdefault("SE_CHROMEDRIVER", driver)


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _profile_dirs:
        shutil.rmtree(path, ignore_errors=True)


def pytest_setup_options():
    """Chrome options for dash_duo (dash calls this hook before starting each browser)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    for flag in CHROME_FLAGS:
        if flag == "--headless" and os.environ.get("ECS_TEST_HEADED"):
            continue
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="ecs-chrome-profile-")
    _profile_dirs.append(profile)
    options.add_argument(f"--user-data-dir={profile}")
    return options


def _schema_only(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


# ``duckdb_url`` and ``warehouse_url`` (DuckDB, and a fresh database on the session's PostgreSQL
# server) come from tests/conftest.py.

@pytest.fixture
def duckdb_engine(duckdb_url: str) -> Iterator[Engine]:
    """An empty warehouse (schema only) in a DuckDB file."""
    yield from _schema_only(duckdb_url)


@pytest.fixture
def sample_engine(duckdb_engine: Engine) -> Engine:
    """A DuckDB warehouse holding the rows of :mod:`tests.dashboards.sample`."""
    sample.load(duckdb_engine)
    return duckdb_engine


@pytest.fixture
def any_engine(warehouse_url: str) -> Iterator[Engine]:
    """An empty warehouse (schema only) on each supported engine."""
    yield from _schema_only(warehouse_url)
