"""A warehouse built from the simulated estate and priced, as ``ecs-insight demo --no-serve`` builds it."""

from __future__ import annotations

import sqlalchemy as sa

from ecs_insight import jobs
from ecs_insight.settings import Settings


def build_priced_warehouse(settings: Settings) -> sa.Engine:
    """Load the configured estate's whole period (failing on any failed scope), then compute the chargeback
    of its months; the caller disposes of the engine."""
    engine = jobs.open_warehouse(settings)
    report = jobs.build_from_synthetic(engine, settings)
    assert report.failures == []
    jobs.compute_chargeback(engine, settings, jobs.months_of(report.window))
    return engine
