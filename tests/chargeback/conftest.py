"""Warehouses built from the tiny simulated estate, priced with the demo config's cost model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from chargeback.config import CostModelConfig
from ecs_insight import jobs
from ecs_insight.settings import DEFAULT_CONFIG, Settings, load_settings
from estate import EstateConfig, SyntheticEstate

MONTH = "2026-09"
TINY = EstateConfig(profile="tiny", seed=7)
GIB = float(2**30)
HOURS = 30 * 24  # September, the tiny estate's month


@cache
def estate_frames() -> dict[str, pd.DataFrame]:
    """The tiny estate's facts and dimensions as its collector yields them (the truth tests check against)."""
    estate = SyntheticEstate(TINY)
    frames: dict[str, list[pd.DataFrame]] = {}
    for batch in estate.collect(estate.window):
        frames.setdefault(batch.table, []).append(batch.frame)
    out = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    out.update({f"dim_{k}": v for k, v in estate.dimensions().items()})
    return out


def tiny_settings(url: str) -> Settings:
    """The demo config's cost model (entitlements of the tiny estate's sectors) on a tiny warehouse."""
    demo = load_settings(DEFAULT_CONFIG, environ={})
    model = demo.chargeback.cost_model
    model = model.model_copy(update={"entitlements": [e for e in model.entitlements if e.sector in {"CTI", "ICG"}]})
    return demo.model_copy(update={
        "warehouse": demo.warehouse.model_copy(update={"url": url}),
        "sources": demo.sources.model_copy(update={"synthetic": TINY}),
        "load": demo.load.model_copy(update={"slice_hours": 24}),
        "chargeback": demo.chargeback.model_copy(update={"cost_model": model}),
    })


def config_file(directory: Path, url: str, **model: object) -> Path:
    """The demo config as a file, as ``tiny_settings`` sets it up for the CLI: the tiny estate on ``url``,
    cost model fields replaced by ``model``."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["warehouse"]["url"] = url
    data["sources"]["synthetic"] = {"profile": TINY.profile, "seed": TINY.seed}
    data["load"]["slice_hours"] = 24
    cost_model = data["chargeback"]["cost_model"]
    cost_model["entitlements"] = [e for e in cost_model["entitlements"] if e["sector"] in ("CTI", "ICG")]
    cost_model.update(model)
    path = directory / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def build(url: str) -> tuple[Settings, sa.Engine]:
    settings = tiny_settings(url)
    engine = jobs.open_warehouse(settings)
    report = jobs.build_from_synthetic(engine, settings)
    assert report.failures == []
    return settings, engine


@pytest.fixture
def tiny_warehouse(warehouse_url: str) -> Iterator[tuple[Settings, sa.Engine]]:
    """A fresh tiny warehouse per test, on each engine."""
    settings, engine = build(warehouse_url)
    yield settings, engine
    engine.dispose()


@pytest.fixture(scope="module")
def tiny_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, sa.Engine]]:
    """One tiny DuckDB warehouse shared by a module's read-only tests."""
    settings, engine = build(f"duckdb:///{tmp_path_factory.mktemp('tiny') / 'wh.duckdb'}")
    yield settings, engine
    engine.dispose()


@pytest.fixture
def cost_model() -> Callable[..., CostModelConfig]:
    """The tiny estate's cost model with fields overridden."""
    def make(**changes: object) -> CostModelConfig:
        base = tiny_settings("duckdb:///:memory:").chargeback.cost_model
        return CostModelConfig.model_validate({**base.model_dump(), **changes})
    return make
