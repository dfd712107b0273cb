"""compute_month_results publishes what a run's chargeback step publishes: the flat rate's results of
each month (flat_rate.compute_month) and, with price lists, the cost model's draft (lifecycle.refresh)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from chargeback import lifecycle
from chargeback.flat_rate import compute_month
from chargeback.publish import compute_month_results
from tests.chargeback.conftest import MONTH, build
from warehouse import statements
from warehouse.schema import chargeback_result


def _results(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(chargeback_result), conn)
    frame = frame.drop(columns=["computed_at"])
    return frame.sort_values(["model", "month", "cluster_id", "namespace"]).reset_index(drop=True)


def test_the_months_results_and_drafts_are_the_flat_rate_and_the_refreshed_draft(duckdb_url: str) -> None:
    settings, engine = build(duckdb_url)
    before = {MONTH: len(compute_month(engine, MONTH, settings.chargeback.flat))}
    lifecycle.refresh(engine, MONTH, settings.chargeback.cost_model)
    published = _results(engine)
    draft = statements.latest(engine, MONTH)
    counts = compute_month_results(engine, [MONTH], flat=settings.chargeback.flat,
                                   cost_model=settings.chargeback.cost_model)
    assert counts == before and counts[MONTH] > 0
    pd.testing.assert_frame_equal(_results(engine), published)
    assert set(published["model"]) == {"flat", settings.chargeback.cost_model.result_model}
    again = statements.latest(engine, MONTH)
    assert draft is not None and again is not None
    assert (again["status"], again["version"], again["total_amount"]) == (
        draft["status"], draft["version"], draft["total_amount"])
    engine.dispose()
