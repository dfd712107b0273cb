"""A real Prometheus for tests and benchmarks: promtool backfill of OpenMetrics text, then a server on that data.

Prometheus 2.42 (Debian) serves blocks made by ``promtool tsdb create-blocks-from openmetrics``
from its data dir; the server binds 127.0.0.1 on a free port and is stopped by PID.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from common.errors import ConfigError
from testbed.procs import free_port, start_process, stop_process, wait_until

BINARIES = ("prometheus", "promtool")


def available() -> bool:
    return all(shutil.which(b) is not None for b in BINARIES)


def require_binaries() -> None:
    """Raise a :class:`ConfigError` naming what is missing and where it comes from."""
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        raise ConfigError(f"{', '.join(missing)} not found; install the Debian package prometheus")


@dataclass(frozen=True)
class Backfill:
    """What promtool made: its block table summed, and how long it took."""

    blocks: int
    samples: int
    series: int
    seconds: float
    output: str


_BLOCK_ROW = re.compile(r"^[0-9A-Z]{26}\s+(\d+)\s+(\d+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)", re.M)


def create_blocks(openmetrics: Path, blocks_dir: Path, *, max_block_duration: str = "24h",
                  timeout: float | None = 600) -> Backfill:
    """``promtool tsdb create-blocks-from openmetrics`` into ``blocks_dir``; raises with promtool's output.

    ``timeout=None`` lets a large backfill (a benchmark's estate) take as long as it needs."""
    blocks_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", f"--max-block-duration={max_block_duration}",
         str(openmetrics), str(blocks_dir)],
        capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - started
    output = run.stdout + run.stderr
    if run.returncode != 0:
        raise RuntimeError(f"promtool failed ({run.returncode}):\n{output[-3000:]}")
    rows = _BLOCK_ROW.findall(output)
    return Backfill(blocks=len(rows), samples=sum(int(r[2]) for r in rows),
                    series=max((int(r[4]) for r in rows), default=0), seconds=seconds, output=output)


def unix(ts: datetime) -> float:
    """A naive-UTC (or aware) datetime as Unix seconds."""
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).timestamp()


@dataclass
class PrometheusServer:
    url: str
    port: int
    data_dir: Path
    proc: subprocess.Popen

    def query(self, promql: str, at: datetime) -> list[dict[str, Any]]:
        """An instant query evaluated at ``at`` (old data is invisible at "now"); the result vector."""
        resp = requests.get(f"{self.url}/api/v1/query", params={"query": promql, "time": unix(at)}, timeout=30)
        body = resp.json()
        if resp.status_code != 200 or body.get("status") != "success":
            raise RuntimeError(f"query {promql!r} failed: {resp.status_code} {body}")
        return body["data"]["result"]

    def stop(self) -> None:
        stop_process(self.proc)


def start_prometheus(data_dir: Path, work_dir: Path, *, timeout: float = 30, port: int | None = None
                     ) -> PrometheusServer:
    """Prometheus on ``data_dir`` (blocks already there), no scrape jobs, on ``port`` or a free loopback port."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n")
    port = port or free_port()
    log = work_dir / "prometheus.log"
    proc = start_process(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data_dir}",
         "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{port}"], str(log))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{url}/-/ready", timeout=2).status_code == 200, timeout,
                   "prometheus", proc, str(log))
    except BaseException:
        stop_process(proc)
        raise
    return PrometheusServer(url=url, port=port, data_dir=data_dir, proc=proc)
