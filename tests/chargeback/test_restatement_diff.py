"""Restatement differences per namespace: late log data for one namespace moves only that
namespace's rows (both engines, and through the CLI)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from chargeback import lifecycle
from chargeback.config import CostModelConfig
from chargeback.rounding import CENT, cents, dec
from common.windows import Window
from ecs_insight import jobs
from ecs_insight.cli import app
from ecs_insight.settings import DEFAULT_CONFIG, Settings
from tests.chargeback.conftest import MONTH, build, config_file, estate_frames, tiny_settings
from warehouse import statements as store
from warehouse.load import replace_slice
from warehouse.schema import log_volume_hourly

CLUSTER, NAMESPACE, SECTOR = "ocp-icg-01", "fx-rates-prod", "ICG"
LATE = Window(datetime(2026, 9, 3), datetime(2026, 10, 1))  # the tiny estate runs 1-3 September
LOG_PRICE = Decimal("1000")  # per GB, so that the tiny estate's megabytes of logs cost whole cents


def late_rows(engine: sa.Engine) -> pd.DataFrame:
    t = log_volume_hourly
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.cluster_id == CLUSTER, t.c.hour >= LATE.start,
                                               t.c.hour < LATE.end)).mappings().all()
    frame = pd.DataFrame(rows, columns=list(t.c.keys()))
    assert set(frame["source"]) == {"synthetic"} and NAMESPACE in set(frame["namespace"])
    return frame


def load_logs(engine: sa.Engine, frame: pd.DataFrame) -> None:
    """Replace the cluster's log slice the way a collector's batch is loaded."""
    replace_slice(engine, "log_volume_hourly", "synthetic", CLUSTER, LATE, frame)


def expected_logging(until: datetime | None) -> Decimal:
    """The namespace's logging charge from the estate's truth: GB ingested x the price."""
    logs = estate_frames()["log_volume_hourly"]
    mine = logs[(logs["cluster_id"] == CLUSTER) & (logs["namespace"] == NAMESPACE)]
    if until is not None:
        mine = mine[mine["hour"] < until]
    return cents(dec(float(mine["bytes"].sum()) / 1e9) * LOG_PRICE)


def dearer_logs(config: CostModelConfig) -> CostModelConfig:
    return config.model_copy(update={"price_lists": [p.model_copy(update={"logging_per_gb": LOG_PRICE,
                                                                             "markup_percent": Decimal(0)})
                                                     for p in config.price_lists]})


def test_late_logs_of_one_namespace_move_only_its_rows(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = dearer_logs(settings.chargeback.cost_model)
    arrived = late_rows(engine)
    load_logs(engine, arrived[arrived["namespace"] != NAMESPACE])  # the namespace's last days are late
    closed = lifecycle.close(engine, MONTH, config)
    load_logs(engine, arrived)
    restated = lifecycle.restate(engine, MONTH, config)

    old, new = expected_logging(LATE.start), expected_logging(None)
    assert new > old
    row = {"sector_id": SECTOR, "cluster_id": CLUSTER, "namespace": NAMESPACE, "cost_type": "logging",
           "old": str(old), "new": str(new), "change": str(new - old)}
    assert [r.as_dict() for r in restated.header.diff or ()] == [row]

    changes = lifecycle.changes(engine, MONTH, 2)
    assert changes is not None and [r.as_dict() for r in changes.namespaces] == [row]
    sector_logging = [sum((a for a, s, c in zip(lines["amount"], lines["sector_id"], lines["cost_type"], strict=True)
                           if s == SECTOR and c == "logging"), Decimal(0))
                      for lines in (store.read_lines(engine, MONTH, 1), restated.lines)]
    before, after = (str(amount.quantize(CENT)) for amount in sector_logging)
    assert [r.as_dict() for r in changes.sectors] == [
        {"sector_id": SECTOR, "cost_type": "logging", "old": before, "new": after, "change": str(new - old)}]
    assert restated.header.total_amount - closed.header.total_amount == new - old
    assert lifecycle.changes(engine, MONTH, 1) is None


def test_diff_rows_add_up_to_the_sector_summary() -> None:
    columns = ["sector_id", "cluster_id", "namespace", "cost_type", "amount"]
    old = pd.DataFrame([("CTI", "c1", "a", "cpu", Decimal("10.00")), ("CTI", "c1", "b", "cpu", Decimal("5.00")),
                        ("CTI", "c2", "a", "cpu", Decimal("1.00")), ("ICG", "c1", "x", "memory", Decimal("2.50"))],
                       columns=columns)
    new = pd.DataFrame([("CTI", "c1", "a", "cpu", Decimal("12.00")), ("CTI", "c1", "b", "cpu", Decimal("4.00")),
                        ("CTI", "c2", "a", "cpu", Decimal("1.00")), ("ICG", "c1", "y", "memory", Decimal("2.50"))],
                       columns=columns)
    assert [r.as_dict() for r in lifecycle.diff(old, new)] == [
        {"sector_id": "CTI", "cluster_id": "c1", "namespace": "a", "cost_type": "cpu", "old": "10.00",
         "new": "12.00", "change": "2.00"},
        {"sector_id": "CTI", "cluster_id": "c1", "namespace": "b", "cost_type": "cpu", "old": "5.00",
         "new": "4.00", "change": "-1.00"},
        {"sector_id": "ICG", "cluster_id": "c1", "namespace": "x", "cost_type": "memory", "old": "2.50",
         "new": "0.00", "change": "-2.50"},
        {"sector_id": "ICG", "cluster_id": "c1", "namespace": "y", "cost_type": "memory", "old": "0.00",
         "new": "2.50", "change": "2.50"},
    ]
    assert [r.as_dict() for r in lifecycle.diff(old, new, lifecycle.SECTOR_KEYS)] == [
        {"sector_id": "CTI", "cost_type": "cpu", "old": "16.00", "new": "17.00", "change": "1.00"}]


def test_restate_prints_the_namespaces_that_moved(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    _, engine = build(url)
    lists = yaml.safe_load(DEFAULT_CONFIG.read_text())["chargeback"]["cost_model"]["price_lists"]
    path = config_file(tmp_path, url, price_lists=[{**p, "logging_per_gb": str(LOG_PRICE), "markup_percent": "0"}
                                                   for p in lists])
    arrived = late_rows(engine)
    load_logs(engine, arrived[arrived["namespace"] != NAMESPACE])
    runner = CliRunner()
    assert runner.invoke(app, ["chargeback", "close", "--month", MONTH, "--config", str(path)]).exit_code == 0
    load_logs(engine, arrived)
    engine.dispose()
    result = runner.invoke(app, ["chargeback", "restate", "--month", MONTH, "--reason", "late logs",
                                 "--config", str(path)])
    assert result.exit_code == 0, result.stderr
    old, new = expected_logging(LATE.start), expected_logging(None)
    assert "2026-09 restated: version 2 supersedes 1" in result.stderr
    out = result.stdout
    assert "changes by namespace (USD)" in out and "changes by sector (USD)" in out
    namespace_row = next(line for line in out.splitlines() if NAMESPACE in line)
    assert all(text in namespace_row for text in (SECTOR, CLUSTER, "logging", f"{old:,.2f}", f"{new:,.2f}",
                                                  f"{new - old:+,.2f}"))
    assert sum(1 for line in out.splitlines() if "logging" in line) == 2  # its namespace row and ICG's summary

    result = runner.invoke(app, ["chargeback", "statement", "--month", MONTH, "--config", str(path)])
    assert (f"restates version 1 (late logs): 1 namespace row(s) changed, net per sector: ICG {new - old:+,.2f}"
            in result.stdout)
    result = runner.invoke(app, ["chargeback", "statement", "--month", MONTH, "--format", "json",
                                 "--config", str(path)])
    header = json.loads(result.stdout)["statement"]
    assert [(r["namespace"], r["old"], r["new"]) for r in header["diff"]] == [(NAMESPACE, str(old), str(new))]
    assert (header["version"], header["supersedes_version"], header["reason"]) == (2, 1, "late logs")
    assert '"supersedes_version": 1,' in result.stdout  # a version number, not 1.0
    result = runner.invoke(app, ["chargeback", "restate", "--month", MONTH, "--config", str(path)])
    assert result.exit_code == 1 and "nothing to restate" in result.stderr

    engine = jobs.open_warehouse(tiny_settings(url))
    load_logs(engine, arrived[arrived["namespace"] != NAMESPACE])  # the late days withdrawn again
    engine.dispose()
    result = runner.invoke(app, ["chargeback", "restate", "--month", MONTH, "--format", "json",
                                 "--config", str(path)])
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)
    assert [(r["namespace"], r["old"], r["new"]) for r in changes["namespaces"]] == [(NAMESPACE, str(new), str(old))]
    assert [(r["sector_id"], r["cost_type"], r["change"]) for r in changes["sectors"]] == \
        [(SECTOR, "logging", str(old - new))]
