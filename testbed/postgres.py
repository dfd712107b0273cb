"""A throw-away PostgreSQL 15 server for the test session: initdb, pg_ctl start, stop by PID.

The cluster lives in a fresh temporary directory, listens on 127.0.0.1 on a port chosen at run
time and trusts the ``app`` role. Debian's binaries are used by absolute path (a ``pg_ctl`` on
``PATH`` may be something else). initdb refuses to run as root, so as root every server command
runs as the ``postgres`` system user through ``runuser``, in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from testbed.procs import free_port, port_open, wait_until

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROLE = "app"
INSTALL_HINT = (
    "PostgreSQL 15 server binaries not found under {bin}. Install the system packages the test "
    "suite needs with: bash scripts/install-system-deps.sh"
)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server could not be started."""


def require_binaries() -> None:
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / name).is_file()]
    if missing:
        raise PostgresUnavailable(INSTALL_HINT.format(bin=PG_BIN) + f" (missing: {', '.join(missing)})")


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _run(args: list[str], what: str, timeout: float = 120) -> None:
    proc = subprocess.run(_as_server_user(args), capture_output=True, text=True, timeout=timeout, cwd="/")
    if proc.returncode != 0:
        raise PostgresUnavailable(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@dataclass
class PostgresServer:
    """A running server; :meth:`stop` shuts it down and removes its files."""

    base_dir: Path
    port: int
    pid: int | None = None
    started_in: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` maintenance database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """libpq connection string (for psycopg directly)."""
        return f"host=127.0.0.1 port={self.port} user={ROLE} dbname={database}"

    def create_database(self, prefix: str = "t") -> str:
        """Create an empty database with a unique name and return the name."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whatever still uses it (e.g. an engine not disposed)."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Fast shutdown with pg_ctl; SIGTERM/SIGKILL the postmaster PID if that fails; clean up."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.data_dir.joinpath("postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30",
                          "stop"], "pg_ctl stop", timeout=60)
            if self.pid is not None and _alive(self.pid):
                _kill(self.pid)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill(pid: int, timeout: float = 10) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _read_postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().splitlines()[0]
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def _make_base_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="ecs-insight-pg-"))
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(base, ignore_errors=True)
            raise PostgresUnavailable(
                "no 'postgres' system user: " + INSTALL_HINT.format(bin=PG_BIN)
            ) from exc
        os.chown(base, server_user.pw_uid, server_user.pw_gid)
    base.chmod(0o700)
    return base


def start_postgres(attempts: int = 3, timeout: float = 60) -> PostgresServer:
    """initdb a new cluster and start it on a free loopback port.

    The port is picked just before the start, so another process can take it in between;
    that shows as a failed start and is retried on a new port.
    """
    require_binaries()
    begun = time.monotonic()
    base = _make_base_dir()
    server = PostgresServer(base_dir=base, port=0)
    try:
        _run([str(PG_BIN / "initdb"), "-D", str(server.data_dir), "-U", ROLE, "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], "initdb")
        last_error: Exception | None = None
        for _ in range(attempts):
            server.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {base} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            try:
                _run([str(PG_BIN / "pg_ctl"), "-D", str(server.data_dir), "-l", str(server.log_path),
                      "-o", options, "-w", "-t", str(int(timeout)), "start"], "pg_ctl start",
                     timeout=timeout + 30)
            except PostgresUnavailable as exc:
                last_error = exc
                server.pid = _read_postmaster_pid(server.data_dir)
                if server.pid is not None and _alive(server.pid):
                    _kill(server.pid)
                continue
            server.pid = _read_postmaster_pid(server.data_dir)
            wait_until(lambda: port_open(server.port), timeout=timeout, what="PostgreSQL",
                       log_path=str(server.log_path))
            server.started_in = time.monotonic() - begun
            return server
        raise PostgresUnavailable(f"{last_error}\n--- server log ---\n{server.log_tail()}")
    except BaseException:
        server.stop()
        raise
