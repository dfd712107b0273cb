"""Collection runs: what was collected for which (source, scope, window), with rows, status, error."""

from __future__ import annotations

import os
import socket
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from common.windows import Window
from warehouse.schema import collection_run, scope_column, time_column

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
INTERRUPTED, ABANDONED = "interrupted", "abandoned"  # stopped by a signal; its process gone
# A running run of another host (or from before pids were recorded) is taken as abandoned after this:
# no window's collection takes a day, and the other host's processes cannot be checked from here.
ABANDON_AFTER = timedelta(hours=24)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(engine: sa.Engine, source: str, scope: str, window: Window) -> int:
    with engine.begin() as conn:
        return int(conn.execute(
            collection_run.insert()
            .values(source=source, cluster_id=scope, window_start=window.start, window_end=window.end,
                    started_at=_now(), status=RUNNING, rows=0, pid=os.getpid(), host=socket.gethostname())
            .returning(collection_run.c.run_id)
        ).scalar_one())


def finish_run(engine: sa.Engine, run_id: int, rows: int, error: str | None = None,
               status: str | None = None) -> None:
    """Record the run's outcome: succeeded, or failed with ``error`` (or ``status``, e.g. interrupted)."""
    with engine.begin() as conn:
        conn.execute(
            collection_run.update()
            .where(collection_run.c.run_id == run_id)
            .values(finished_at=_now(), rows=rows, status=status or (FAILED if error else SUCCEEDED), error=error)
        )


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def mark_abandoned(engine: sa.Engine, now: datetime | None = None) -> list[sa.Row]:
    """Mark ``abandoned`` the running runs whose process is gone: on this host, a pid that no longer
    exists; of another host or without a pid (runs from before revision 0010), started more than
    ``ABANDON_AFTER`` ago. The runs marked, as rows (run_id, source, cluster_id, window_start,
    window_end, pid, host)."""
    now = now or _now()
    here = socket.gethostname()
    c = collection_run.c
    query = sa.select(c.run_id, c.source, c.cluster_id, c.window_start, c.window_end, c.pid, c.host,
                      c.started_at).where(c.status == RUNNING)
    with engine.connect() as conn:
        running = conn.execute(query).all()
    gone = [run for run in running
            if (run.host == here and run.pid is not None and _process_gone(run.pid))
            or ((run.host != here or run.pid is None) and now - run.started_at > ABANDON_AFTER)]
    if gone:
        with engine.begin() as conn:
            for run in gone:
                where = f"on {run.host} pid {run.pid}" if run.pid is not None else "pid not recorded"
                conn.execute(collection_run.update()
                             .where(c.run_id == run.run_id, c.status == RUNNING)
                             .values(status=ABANDONED, finished_at=now,
                                     error=f"abandoned: its process ({where}) is gone"))
    return gone


def recent_runs(engine: sa.Engine, limit: int = 50) -> pd.DataFrame:
    query = sa.select(collection_run).order_by(collection_run.c.run_id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(collection_run.c.keys()))


# --------------------------------------------------------------------------- incremental collection


def _runs_of(engine: sa.Engine, source: str, since: datetime | None = None) -> pd.DataFrame:
    c = collection_run.c
    query = sa.select(c.cluster_id, c.window_start, c.window_end, c.started_at, c.status).where(c.source == source)
    if since is not None:
        query = query.where(c.window_end > since)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(),
                            columns=["scope", "window_start", "window_end", "started_at", "status"])


def watermarks(engine: sa.Engine, source: str) -> dict[str, datetime]:
    """Per scope, the end of the latest window a succeeded run covered: where the next run starts."""
    c = collection_run.c
    query = (sa.select(c.cluster_id, sa.func.max(c.window_end))
             .where(c.source == source, c.status == SUCCEEDED).group_by(c.cluster_id))
    with engine.connect() as conn:
        return {scope: end for scope, end in conn.execute(query).all()}


def active_watermarks(engine: sa.Engine, source: str) -> dict[str, datetime]:
    """Watermarks of the scopes present in the source's latest window (a cluster that was removed
    stops holding the others back); a scope that never succeeded counts from its first window."""
    runs = _runs_of(engine, source)
    if runs.empty:
        return {}
    latest = runs["window_end"].max()
    active = set(runs.loc[runs["window_end"] == latest, "scope"])
    ok = runs[runs["status"] == SUCCEEDED].groupby("scope")["window_end"].max()
    first = runs.groupby("scope")["window_start"].min()
    return {scope: (ok[scope] if scope in ok.index else first[scope]).to_pydatetime() for scope in sorted(active)}


def _hours(start: datetime, end: datetime) -> set[datetime]:
    out, cursor = set(), start
    while cursor < end:
        out.add(cursor)
        cursor += timedelta(hours=1)
    return out


def uncovered_failures(engine: sa.Engine, source: str, since: datetime) -> list[tuple[str, Window]]:
    """Failed, interrupted or abandoned (or still running) hours of each scope since ``since`` that no
    later succeeded run covered, as (scope, window) runs of consecutive hours: what the next incremental run refills."""
    runs = _runs_of(engine, source, since)
    out: list[tuple[str, Window]] = []
    for scope, group in runs.groupby("scope"):
        # each succeeded run's hours once, not once per failed run it may cover
        ok = [(good.started_at, _hours(good.window_start, good.window_end))
              for good in group[group["status"] == SUCCEEDED].itertuples(index=False)]
        missing: set[datetime] = set()
        for bad in group[group["status"] != SUCCEEDED].itertuples(index=False):
            hours = _hours(max(bad.window_start, since), bad.window_end)
            for started_at, covered in ok:
                if started_at >= bad.started_at:
                    hours -= covered
            missing |= hours
        out.extend((str(scope), w) for w in _spans(sorted(missing)))
    return out


def _spans(hours: list[datetime]) -> list[Window]:
    spans: list[Window] = []
    for hour in hours:
        if spans and spans[-1].end == hour:
            spans[-1] = Window(spans[-1].start, hour + timedelta(hours=1))
        else:
            spans.append(Window(hour, hour + timedelta(hours=1)))
    return spans


def completeness(engine: sa.Engine, source: str, window: Window, fact_tables: list[sa.Table]) -> pd.DataFrame:
    """Per scope and UTC day of ``window``: hours expected, hours a succeeded run collected, hours
    with fact rows of ``source`` in any of ``fact_tables``, and hours whose last run failed.

    A collected hour without rows is a gap in the source itself (the server had no data then).
    """
    runs = _runs_of(engine, source, window.start)
    expected = _hours(window.start, window.end)
    days: dict[date, set[datetime]] = {}
    for hour in expected:
        days.setdefault(hour.date(), set()).add(hour)
    collected: dict[str, set[datetime]] = {}
    failed: dict[str, set[datetime]] = {}
    for run in runs.sort_values("started_at").itertuples(index=False):
        hours = _hours(run.window_start, run.window_end) & expected
        if run.status == SUCCEEDED:
            collected.setdefault(run.scope, set()).update(hours)
            failed.setdefault(run.scope, set()).difference_update(hours)
        else:
            failed.setdefault(run.scope, set()).update(hours - collected.get(run.scope, set()))
    with_data: dict[str, set[datetime]] = {}
    with engine.connect() as conn:
        for table in fact_tables:
            scope_col, time_col = table.c[scope_column(table)], table.c[time_column(table)]
            query = sa.select(scope_col, time_col).distinct().where(
                table.c.source == source, time_col >= window.start, time_col < window.end)
            for scope, ts in conn.execute(query).all():
                with_data.setdefault(scope, set()).add(ts.replace(minute=0, second=0, microsecond=0))
    rows = []
    for scope in sorted(set(collected) | set(failed) | set(with_data)):
        for day, hs in sorted(days.items()):
            rows.append({
                "scope": scope, "day": day, "hours_expected": len(hs),
                "hours_collected": len(hs & collected.get(scope, set())),
                "hours_with_data": len(hs & with_data.get(scope, set())),
                "hours_failed": len(hs & failed.get(scope, set())),
            })
    frame = pd.DataFrame(rows, columns=["scope", "day", "hours_expected", "hours_collected", "hours_with_data",
                                        "hours_failed"])
    frame["completeness"] = (frame["hours_with_data"] / frame["hours_expected"]).round(4)
    return frame


def finished_run_totals(engine: sa.Engine) -> list[sa.Row]:
    """Per (source, scope, status) of finished runs: count, rows, seconds spent, latest finish and the
    latest window end; the figures of the app's health metrics."""
    c = collection_run.c
    duration = sa.func.sum(_epoch_seconds(c.finished_at) - _epoch_seconds(c.started_at))
    query = sa.select(
        c.source, c.cluster_id, c.status, sa.func.count(), sa.func.sum(c.rows), duration,
        sa.func.max(c.finished_at), sa.func.max(c.window_end),
    ).where(c.finished_at.is_not(None)).group_by(c.source, c.cluster_id, c.status)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def _epoch_seconds(column: sa.ColumnElement) -> sa.ColumnElement:
    """Seconds since the epoch of a naive-UTC timestamp, portable across DuckDB and PostgreSQL."""
    return sa.func.extract("epoch", column)
