"""Month close and restatement: a closed month never changes silently (both engines, and a
hypothesis state sequence on DuckDB)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeback import lifecycle
from chargeback.config import CostModelConfig
from common.errors import DataError
from common.windows import Window
from ecs_insight.settings import Settings
from tests.chargeback.conftest import MONTH
from warehouse import statements as store
from warehouse.load import replace_slice
from warehouse.queries import cost_by_sector_month
from warehouse.schema import (
    chargeback_entitlement,
    chargeback_namespace_efficiency,
    chargeback_result,
    chargeback_statement,
    chargeback_statement_line,
    chargeback_statement_pool,
    pod_usage_hourly,
)

LATE_CLUSTER = "ocp-cti-01"
LATE_WINDOW = Window(datetime(2026, 9, 3), datetime(2026, 10, 1))
LATE = ((pod_usage_hourly.c.cluster_id == LATE_CLUSTER) & (pod_usage_hourly.c.hour >= LATE_WINDOW.start)
        & (pod_usage_hourly.c.hour < LATE_WINDOW.end))


def _replace_late(engine: sa.Engine, rows: list[dict]) -> None:
    """Load (or clear) the late slice the way a collector's batch is loaded."""
    frame = pd.DataFrame(rows, columns=[c.name for c in pod_usage_hourly.c])
    replace_slice(engine, "pod_usage_hourly", "synthetic", LATE_CLUSTER, LATE_WINDOW, frame)


def hold_back(engine: sa.Engine) -> list[dict]:
    """Remove the rest of the month of one cluster's pod facts (as if not arrived yet); return the rows."""
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(pod_usage_hourly).where(LATE)).mappings()]
    assert rows and {r["source"] for r in rows} == {"synthetic"}
    _replace_late(engine, [])
    return rows


def arrive(engine: sa.Engine, rows: list[dict]) -> None:
    _replace_late(engine, rows)


def lines_of(engine: sa.Engine, version: int) -> pd.DataFrame:
    return store.read_lines(engine, MONTH, version).drop(columns=["month", "version"])


def test_close_locks_the_month_and_late_data_needs_a_restatement(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = settings.chargeback.cost_model
    late = hold_back(engine)

    draft = lifecycle.refresh(engine, MONTH, config)
    assert (draft.header.status, draft.header.version) == ("draft", 1)
    closed = lifecycle.close(engine, MONTH, config)
    assert (closed.header.status, closed.header.version) == ("closed", 1)
    assert closed.header.price_list_version == "2026.1"
    before = lines_of(engine, 1)
    assert lifecycle.close(engine, MONTH, config).header.version == 1  # unchanged: a no-op

    arrive(engine, late)
    shown = lifecycle.refresh(engine, MONTH, config)
    assert shown.stale and shown.header.version == 1 and shown.header.status == "closed"
    pd.testing.assert_frame_equal(lines_of(engine, 1), before)
    with pytest.raises(DataError, match="restate"):
        lifecycle.close(engine, MONTH, config)

    restated = lifecycle.restate(engine, MONTH, config)
    assert (restated.header.version, restated.header.supersedes_version) == (2, 1)
    changes = [r.as_dict() for r in restated.header.diff or ()]
    assert {c["sector_id"] for c in changes} >= {"CTI"}
    assert sum(float(c["change"]) for c in changes if c["cost_type"] == "cpu") > 0  # the late day adds usage
    history = store.versions(engine, MONTH)
    assert list(history["status"]) == ["superseded", "closed"]
    pd.testing.assert_frame_equal(lines_of(engine, 1), before)
    assert not lifecycle.refresh(engine, MONTH, config).stale
    with pytest.raises(DataError, match="nothing to restate"):
        lifecycle.restate(engine, MONTH, config)


def test_a_price_change_after_close_is_reported_not_applied(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = settings.chargeback.cost_model
    total = lifecycle.close(engine, MONTH, config).header.total_amount
    lists = [p.model_copy(update={"markup_percent": Decimal("10")}) for p in config.price_lists]
    dearer = config.model_copy(update={"price_lists": lists})
    shown = lifecycle.refresh(engine, MONTH, dearer)
    assert shown.stale and shown.header.total_amount == total
    assert lifecycle.restate(engine, MONTH, dearer, reason="price correction").header.total_amount > total


def test_restating_an_open_month_is_refused(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    with pytest.raises(DataError, match="no closed statement"):
        lifecycle.restate(engine, MONTH, settings.chargeback.cost_model)


def test_results_for_the_cost_page_follow_the_statement(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = settings.chargeback.cost_model
    stored = lifecycle.refresh(engine, MONTH, config)
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(sa.select(chargeback_result).where(
            chargeback_result.c.model == config.result_model, chargeback_result.c.month == MONTH)).mappings().all())
    assert sum(rows["total_cost"]) == sum(stored.lines["amount"])
    assert set(rows["sector_id"]) == set(stored.lines["sector_id"])
    page = cost_by_sector_month(engine, model=config.result_model).set_index("sector_id")
    for sector, lines in stored.lines.groupby("sector_id"):
        assert page.at[sector, "total_cost"] == sum(lines["amount"])


def test_a_month_without_facts_drafts_empty_clears_its_cost_page_results_and_cannot_close(
        warehouse_engine: sa.Engine, cost_model: Callable[..., CostModelConfig]) -> None:
    config = cost_model(entitlements=[])  # an empty warehouse knows no sectors to entitle
    with warehouse_engine.begin() as conn:  # results an earlier computation published
        conn.execute(chargeback_result.insert(), [{
            "month": MONTH, "model": config.result_model, "cluster_id": "gone", "namespace": "gone",
            "sector_id": "CTI", "cpu_effective_core_hours": 1.0, "memory_effective_gib_hours": 1.0,
            "cpu_cost": Decimal("1"), "memory_cost": Decimal("1"), "total_cost": Decimal("2"), "currency": "USD",
            "computed_at": datetime(2026, 10, 1)}])
    draft = lifecycle.refresh(warehouse_engine, MONTH, config)
    assert (draft.header.status, draft.header.total_amount, len(draft.lines)) == ("draft", 0, 0)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(chargeback_result)).scalar_one() == 0
    with pytest.raises(DataError, match=f"nothing was collected for {MONTH} on any cluster"):
        lifecycle.close(warehouse_engine, MONTH, config)
    assert lifecycle.refresh(warehouse_engine, MONTH, config).header.status == "draft"


# --------------------------------------------------------------------------- state sequences

OPERATIONS = st.lists(st.sampled_from(["refresh", "close", "restate", "arrive", "withdraw"]), min_size=1,
                      max_size=7)


@pytest.fixture(scope="module")
def sequence_warehouse(tiny_duckdb: tuple[Settings, sa.Engine]) -> Iterator[tuple[CostModelConfig, sa.Engine, list]]:
    settings, engine = tiny_duckdb
    late = hold_back(engine)
    arrive(engine, late)
    yield settings.chargeback.cost_model, engine, late


def _reset(engine: sa.Engine, late: list[dict]) -> None:
    with engine.begin() as conn:
        for table in (chargeback_statement_line, chargeback_namespace_efficiency, chargeback_entitlement,
                      chargeback_statement_pool, chargeback_statement):
            conn.execute(table.delete())
    arrive(engine, late)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
def test_closed_versions_never_change(sequence_warehouse: tuple[CostModelConfig, sa.Engine, list],
                                      operations: list[str]) -> None:
    config, engine, late = sequence_warehouse
    _reset(engine, late)
    frozen: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for op in operations:
        try:
            if op == "refresh":
                lifecycle.refresh(engine, MONTH, config)
            elif op == "close":
                lifecycle.close(engine, MONTH, config)
            elif op == "restate":
                lifecycle.restate(engine, MONTH, config)
            elif op == "arrive":
                arrive(engine, late)
            else:
                _replace_late(engine, [])
        except DataError:
            pass  # refusals are part of the contract: close of a changed month, restate of nothing
        history = store.versions(engine, MONTH)
        assert list(history["version"]) == list(range(1, len(history) + 1))
        assert (history["status"] == "draft").sum() <= 1
        assert (history["status"] == "closed").sum() <= 1
        if (history["status"] == "closed").any():
            assert history.iloc[-1]["status"] == "closed"  # nothing opens again after a close
        for row in history.itertuples(index=False):
            lines = lines_of(engine, row.version)
            pools = store.read_pools(engine, MONTH, row.version)
            assert sum(lines["amount"]) == row.total_amount == sum(pools["amount"])
            if row.status in ("closed", "superseded"):
                if row.version in frozen:
                    pd.testing.assert_frame_equal(lines, frozen[row.version][0])
                    pd.testing.assert_frame_equal(pools, frozen[row.version][1])
                else:
                    frozen[row.version] = lines, pools
