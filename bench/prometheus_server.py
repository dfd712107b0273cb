"""A real Prometheus for the benchmark: promtool backfill of OpenMetrics text, a server on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from common.errors import ConfigError


def require_binaries() -> None:
    missing = [b for b in ("prometheus", "promtool") if shutil.which(b) is None]
    if missing:
        raise ConfigError(f"{', '.join(missing)} not found; install the Debian package prometheus")


def backfill(openmetrics: Path, data_dir: Path) -> float:
    """``promtool tsdb create-blocks-from openmetrics`` (24 h blocks); returns its seconds."""
    started = time.perf_counter()
    run = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h",
                          str(openmetrics), str(data_dir)], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"promtool failed: {(run.stdout + run.stderr)[-2000:]}")
    return time.perf_counter() - started


class Server:
    """Prometheus on ``data_dir`` at 127.0.0.1 on a free port; stopped by its process group id."""

    def __init__(self, data_dir: Path, work_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = work_dir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\n")
        self.log = open(work_dir / "prometheus.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data_dir}",
             "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/-/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("prometheus did not become ready in 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()
