"""noida-db (a server speaking the Elasticsearch API) for the benchmark, on loopback, stopped by PID.

``noida-db start`` is a wrapper that runs the engine as a child; both are in one new session, so
stopping signals that process group and then makes sure the child recorded at start is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from common.errors import ConfigError


def binary() -> str:
    local = Path(sys.executable).with_name("noida-db")
    found = str(local) if local.exists() else shutil.which("noida-db")
    if found is None:
        raise ConfigError("noida-db not found; install the dev extra (pip install -e '.[dev]')")
    return found


class NoidaServer:
    """The Elasticsearch API of noida-db on 127.0.0.1 at a free port, data in ``data_dir``."""

    def __init__(self, data_dir: Path, log_path: Path, timeout: float = 60) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary(), "start", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--only", "elasticsearch",
             "--elasticsearch-port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.children: list[int] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url, timeout=2).status_code == 200:
                    self.children = _children(self.proc.pid)
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"noida-db did not become ready in {timeout} s (log: {log_path})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for pid in self.children:
            with contextlib.suppress(OSError):  # gone already; a reused PID is not noida-db, so it is left alone
                if b"noida" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
        self.log.close()


def _children(pid: int) -> list[int]:
    """PIDs started by ``pid`` (from /proc), so none outlives the server."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found
