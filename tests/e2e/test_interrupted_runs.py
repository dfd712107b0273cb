"""Interrupted and killed collections, with real processes on a DuckDB file: SIGINT and SIGTERM mark
the open runs interrupted and exit 130 / 143 saying which; a SIGKILLed run is marked abandoned by the
next writing command and its window is refilled; stored facts are whole slices only."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from collectors.base import Batch
from common import interrupts
from common.windows import Window
from ingest import collect_window
from tests.support.frames import T0, pod_rows
from tests.support.scripted import stored_clusters
from warehouse import runs
from warehouse.engine import create_warehouse_engine
from warehouse.schema import FACT_TABLES, collection_run, scope_column, time_column

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("ecs-insight")
START = (datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)).replace(hour=0, minute=0, second=0,
                                                                              microsecond=0)
SLICE = timedelta(hours=2)


def _config(tmp_path: Path, name: str = "insight.yaml", **schedule: int) -> Path:
    config = tmp_path / name
    lines = "".join(f"\n  {key}: {value}" for key, value in schedule.items())
    config.write_text(f"""
warehouse:
  url: duckdb:///{tmp_path / 'w.duckdb'}
sources:
  synthetic: {{profile: tiny, seed: 3, start: {START.isoformat()}, days: 4}}
load:
  slice_hours: 2
schedule:
  refill_days: 7{lines}
""")
    return config


def _signalled(config: Path, pause_from: datetime, signum: int, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line with a collector that pauses in the window starting at ``pause_from``;
    send ``signum`` inside that pause; the finished process."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.slow_cli", pause_from.isoformat(), *args,
                             "--config", str(config)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(120, proc.kill)  # a hung child fails the test instead of holding it
    timer.start()
    try:
        seen = []
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if line.strip() == f"mid {pause_from.isoformat()}":
                break
        else:
            pytest.fail(f"the command never reached {pause_from}: {''.join(seen)}")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        timer.cancel()
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(seen) + out, err)


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args, "--config", str(config)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def _runs(tmp_path: Path) -> list[sa.Row]:
    engine = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(collection_run).order_by(collection_run.c.run_id)).all())
    finally:
        engine.dispose()


def _fact_rows(tmp_path: Path, scope: str, window: Window) -> int:
    """Fact rows of the synthetic source stored for ``scope`` in ``window``, over every fact table."""
    engine = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    total = 0
    try:
        with engine.connect() as conn:
            for table in FACT_TABLES.values():
                ts, sc = table.c[time_column(table)], table.c[scope_column(table)]
                total += conn.execute(sa.select(sa.func.count()).select_from(table).where(
                    table.c.source == "synthetic", sc == scope, ts >= window.start, ts < window.end)).scalar_one()
    finally:
        engine.dispose()
    return total


def _assert_whole_slices(tmp_path: Path) -> None:
    """Every run's stored facts are exactly the rows it recorded: a succeeded slice whole, an interrupted
    or abandoned one not at all."""
    for run in _runs(tmp_path):
        stored = _fact_rows(tmp_path, run.cluster_id, Window(run.window_start, run.window_end))
        expected = run.rows if run.status == runs.SUCCEEDED else 0
        assert stored == expected, (run.cluster_id, run.window_start, run.status, stored, run.rows)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_marks_the_open_runs_interrupted_and_exits_with_its_code(tmp_path: Path, signum: int,
                                                                          code: int) -> None:
    config = _config(tmp_path)
    stopped_at = START + 2 * SLICE
    done = _signalled(config, stopped_at, signum, "collect", "synthetic", "--start", START.isoformat(),
                      "--end", (START + 4 * SLICE).isoformat())
    name = signal.Signals(signum).name
    assert done.returncode == code, done.stderr
    assert f"interrupted by {name}; runs marked interrupted:" in done.stderr
    assert f"[{stopped_at}, {stopped_at + SLICE})" in done.stderr
    assert "Traceback" not in done.stderr
    rows = _runs(tmp_path)
    stopped = [r for r in rows if r.status == runs.INTERRUPTED]
    assert stopped and all(r.window_start == stopped_at and r.finished_at is not None for r in stopped)
    assert all(r.error == f"interrupted by {name}" and r.pid and r.host for r in stopped)
    assert all(f"synthetic {r.cluster_id} [{stopped_at}," in done.stderr for r in stopped)
    assert {r.status for r in rows if r.window_start < stopped_at} == {runs.SUCCEEDED}
    assert not [r for r in rows if r.window_start > stopped_at]  # nothing after the interrupted slice began
    _assert_whole_slices(tmp_path)

    # completeness counts the interrupted hours as failed, the incremental planner refills them
    engine = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        frame = runs.completeness(engine, "synthetic", Window(START, START + 4 * SLICE), list(FACT_TABLES.values()))
        scope = stopped[0].cluster_id
        assert frame.set_index("scope").loc[scope, "hours_failed"] == 2
        holes = runs.uncovered_failures(engine, "synthetic", START)
        assert (scope, Window(stopped_at, stopped_at + SLICE)) in holes
    finally:
        engine.dispose()


def test_a_killed_run_is_marked_abandoned_by_the_next_writing_command_and_refilled(tmp_path: Path) -> None:
    config = _config(tmp_path)
    killed_at = START + SLICE
    done = _signalled(config, killed_at, signal.SIGKILL, "collect", "synthetic", "--start", START.isoformat(),
                      "--end", (START + 3 * SLICE).isoformat())
    assert done.returncode == -signal.SIGKILL
    left = [r for r in _runs(tmp_path) if r.status == runs.RUNNING]
    assert left and all(r.window_start == killed_at and r.finished_at is None for r in left)

    shown = _cli(config, "runs", "--format", "json")  # reading changes nothing
    assert shown.returncode == 0, shown.stderr
    assert {r["status"] for r in json.loads(shown.stdout) if r["window_start"].startswith(str(killed_at.date()))
            and r["run_id"] in {x.run_id for x in left}} == {runs.RUNNING}

    # the next incremental run marks them abandoned and refills their window
    incremental = _cli(_config(tmp_path, "incremental.yaml", max_catchup_hours=1), "collect", "synthetic")
    assert incremental.returncode == 0, incremental.stderr
    assert "marked abandoned" in incremental.stderr
    after = {r.run_id: r for r in _runs(tmp_path)}
    for run in left:
        row = after[run.run_id]
        assert row.status == runs.ABANDONED and row.finished_at is not None
        assert f"pid {run.pid}" in row.error
        refill = [r for r in after.values() if r.cluster_id == run.cluster_id and r.window_start == killed_at
                  and r.status == runs.SUCCEEDED]
        assert refill and refill[0].run_id > run.run_id
        assert _fact_rows(tmp_path, run.cluster_id, Window(killed_at, killed_at + SLICE)) == refill[0].rows > 0
    shown = _cli(config, "runs", "--format", "json", "--limit", "500")
    assert runs.ABANDONED in {r["status"] for r in json.loads(shown.stdout)}


def test_an_interrupted_schedule_exits_143_and_names_the_runs(tmp_path: Path) -> None:
    config = _config(tmp_path, max_catchup_hours=4, first_run_hours=4)
    now = datetime.now(UTC).replace(tzinfo=None)
    end = (now - timedelta(minutes=5)).replace(minute=0, second=0, microsecond=0)  # the last complete hour
    pause_from = end - timedelta(hours=2)  # the second of the two slices the first run collects
    done = _signalled(config, pause_from, signal.SIGTERM, "schedule")
    assert done.returncode == 143, done.stderr
    assert "interrupted by SIGTERM; runs marked interrupted:" in done.stderr
    assert {r.status for r in _runs(tmp_path) if r.window_start == pause_from} == {runs.INTERRUPTED}
    _assert_whole_slices(tmp_path)


def test_running_runs_of_live_processes_stay_and_others_after_a_day(warehouse_engine: sa.Engine) -> None:
    engine = warehouse_engine
    window = Window(START, START + SLICE)
    mine = runs.start_run(engine, "synthetic", "live", window)  # this process: alive
    foreign = runs.start_run(engine, "synthetic", "other-host", window)
    old = runs.start_run(engine, "synthetic", "old-other-host", window)
    legacy = runs.start_run(engine, "synthetic", "legacy", window)
    dead = runs.start_run(engine, "synthetic", "dead", window)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that existed and is gone
    now = runs._now()
    c = collection_run.c
    with engine.begin() as conn:
        conn.execute(collection_run.update().where(c.run_id == foreign).values(host="elsewhere"))
        conn.execute(collection_run.update().where(c.run_id == old).values(
            host="elsewhere", started_at=now - runs.ABANDON_AFTER - timedelta(minutes=1)))
        conn.execute(collection_run.update().where(c.run_id == legacy).values(
            pid=None, host=None, started_at=now - runs.ABANDON_AFTER - timedelta(minutes=1)))
        conn.execute(collection_run.update().where(c.run_id == dead).values(pid=child.pid))
    marked = {r.run_id for r in runs.mark_abandoned(engine)}
    assert marked == {old, legacy, dead}
    with engine.connect() as conn:
        status = dict(conn.execute(sa.select(c.run_id, c.status)).all())
    assert status[mine] == status[foreign] == runs.RUNNING
    assert status[dead] == runs.ABANDONED
    assert runs.mark_abandoned(engine) == []  # once only


class _Raising:
    """Yields a first cluster's batch, then raises ``exc`` (a signal's exception or a fault of ours)."""

    source = "scripted"

    def __init__(self, first: Batch, exc: BaseException) -> None:
        self.first, self.exc = first, exc

    def collect(self, window: Window) -> Iterator[Batch]:
        yield self.first
        raise self.exc


@pytest.mark.parametrize(("make", "status", "error"), [
    (KeyboardInterrupt, runs.INTERRUPTED, "interrupted by SIGINT"),
    (lambda: interrupts.Interrupted(signal.SIGTERM), runs.INTERRUPTED, "interrupted by SIGTERM"),
    (lambda: RuntimeError("a bug"), runs.FAILED, "RuntimeError: a bug"),
], ids=["KeyboardInterrupt", "Interrupted", "bug"])
def test_no_exception_leaves_a_run_running(warehouse_engine: sa.Engine, make: Callable[[], BaseException],
                                           status: str, error: str) -> None:
    exc = make()
    window = Window(T0, T0 + timedelta(hours=6))
    first = Batch("pod_usage_hourly", "scripted", "c1", window, pod_rows("c1", T0, 6).assign(source="scripted"))
    with pytest.raises(type(exc)):
        collect_window(warehouse_engine, _Raising(first, exc), window)
    shown = runs.recent_runs(warehouse_engine)
    assert list(shown["status"]) == [status] and list(shown["error"]) == [error]
    assert shown["finished_at"].notna().all()
    assert stored_clusters(warehouse_engine) == {}  # the pending slice was not committed
    if isinstance(exc, interrupts.Interrupted):
        assert exc.runs == [f"scripted c1 [{window.start}, {window.end})"]
