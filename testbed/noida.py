"""An Elasticsearch-API server for tests and benchmarks: noida-db on loopback, stopped by PID; bulk NDJSON loading.

``noida-db start`` is a wrapper that starts the engine as a child process. The wrapper is started in
its own process group; stopping sends SIGTERM to that group and then makes sure every process it
started (its PIDs recorded once it was ready) is gone, without touching a PID the system has since
given to something else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests
from elasticsearch import Elasticsearch, helpers

from common.errors import ConfigError
from testbed.procs import free_port, start_process, stop_process, wait_until


def noida_binary() -> str | None:
    """The venv's noida-db (installed with the bench extra, which dev includes), else one on PATH."""
    local = Path(sys.executable).with_name("noida-db")
    return str(local) if local.exists() else shutil.which("noida-db")


def available() -> bool:
    return noida_binary() is not None


@dataclass
class NoidaServer:
    url: str
    port: int
    data_dir: Path
    proc: subprocess.Popen
    children: list[int] = field(default_factory=list)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the wrapper's process group, then SIGKILL any recorded child still running."""
        stop_process(self.proc, timeout=timeout)
        deadline = time.monotonic() + timeout
        for pid in self.children:
            while _alive_noida(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive_noida(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _alive_noida(pid: int) -> bool:
    """Whether ``pid`` is still a running noida-db process (a reused PID is someone else's)."""
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and any("noida" in part for part in proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def start_noida(data_dir: Path, log_path: Path, *, timeout: float = 60) -> NoidaServer:
    """noida-db serving only the Elasticsearch API on a free 127.0.0.1 port."""
    binary = noida_binary()
    if binary is None:
        raise ConfigError("noida-db not found; install the bench extra (pip install 'ecs-insight[bench]')")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = start_process([binary, "start", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                          "--only", "elasticsearch", "--elasticsearch-port", str(port)], str(log_path))
    server = NoidaServer(url=f"http://127.0.0.1:{port}", port=port, data_dir=data_dir, proc=proc)
    try:
        wait_until(lambda: requests.get(server.url, timeout=2).status_code == 200, timeout, "noida-db", proc,
                   str(log_path))
        server.children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    except BaseException:
        server.stop()
        raise
    return server


def read_bulk_ndjson(path: Path) -> Iterator[dict[str, Any]]:
    """Bulk NDJSON (action line, document line) as actions for ``elasticsearch.helpers``."""
    with path.open(encoding="utf-8") as fh:
        for action_line in fh:
            (op, meta), = json.loads(action_line).items()
            yield {"_op_type": op, **meta, "_source": json.loads(next(fh))}


def load_ndjson(client: Elasticsearch, path: Path, *, chunk_size: int = 2000) -> int:
    """Bulk-load an NDJSON file with the client's bulk helper; raises on any failed document."""
    ok, errors = helpers.bulk(client, read_bulk_ndjson(path), chunk_size=chunk_size, raise_on_error=True,
                              stats_only=False)
    if errors:
        raise RuntimeError(f"{len(errors)} documents failed, first: {errors[0]}")
    return ok
