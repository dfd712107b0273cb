"""A simulated vCenter for benchmarks and tests: govmomi's simulator behind our own small Go main.

Debian's ``golang-github-vmware-govmomi-dev`` ships the simulator package but no ``vcsim`` command,
so ``testbed/vcsim/main.go`` (package data) is built offline with the Debian Go toolchain into a cache directory
keyed by the source's hash (built once, reused by later runs). Each server listens on a free
127.0.0.1 port with its own self-signed certificate (written next to its log) and is stopped by
PID (its process group: SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from testbed.procs import free_port, port_open, start_process, stop_process, wait_until

MAIN_GO = Path(__file__).with_name("vcsim") / "main.go"
GOPATH = "/usr/share/gocode"
SIMULATOR_SOURCE = Path(GOPATH) / "src/github.com/vmware/govmomi/simulator"
CACHE_ENV = "ECS_INSIGHT_VCSIM_CACHE"
USERNAME = "collector"
PASSWORD = "s3cret-vcsim"


def available() -> str | None:
    """None when vcsim can be built here, else what is missing."""
    if shutil.which("go") is None:
        return "the Go toolchain (golang-go) is not installed; run scripts/install-system-deps.sh"
    if not SIMULATOR_SOURCE.is_dir():
        return "golang-github-vmware-govmomi-dev is not installed; run scripts/install-system-deps.sh"
    return None


def cache_dir() -> Path:
    """Where built binaries are kept: $ECS_INSIGHT_VCSIM_CACHE, else a directory under the temp dir."""
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "ecs-insight-vcsim")


def build_vcsim() -> Path:
    """The vcsim binary, built on first use into a cache keyed by the source (a lock guards the build)."""
    missing = available()
    if missing:
        raise RuntimeError(missing)
    go_version = subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout
    key = hashlib.sha256(MAIN_GO.read_bytes() + go_version.encode()).hexdigest()[:16]
    cache_root = cache_dir()
    target = cache_root / key / "vcsim"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():  # built by another process while we waited
            return target
        work = Path(tempfile.mkdtemp(dir=target.parent))
        shutil.copy(MAIN_GO, work / "main.go")
        env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH}
        env.setdefault("GOCACHE", str(cache_root / "gocache"))
        built = subprocess.run(["go", "build", "-o", str(work / "vcsim"), "main.go"], cwd=work, env=env,
                               capture_output=True, text=True, timeout=600)
        if built.returncode != 0:
            raise RuntimeError(f"building vcsim failed:\n{built.stderr[-3000:]}")
        os.replace(work / "vcsim", target)
        shutil.rmtree(work, ignore_errors=True)
    return target


@dataclass
class VcsimServer:
    """A running simulated vCenter: where it listens, its certificate and the only valid login."""

    host: str
    port: int
    cert: Path
    proc: subprocess.Popen
    username: str = USERNAME
    password: str = PASSWORD
    datacenters: int = 1
    clusters: int = 1
    cluster_hosts: int = 3
    standalone_hosts: int = 1
    vms_per_pool: int = 2
    datastores: int = 1

    @property
    def hosts(self) -> int:
        return self.datacenters * (self.clusters * self.cluster_hosts + self.standalone_hosts)

    @property
    def vms(self) -> int:
        # Every cluster and every standalone host has one root resource pool holding vms_per_pool VMs.
        return self.datacenters * (self.clusters + self.standalone_hosts) * self.vms_per_pool

    @property
    def resource_pools(self) -> int:
        return self.datacenters * (self.clusters + self.standalone_hosts)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the server's process group, then SIGKILL what is left."""
        stop_process(self.proc, timeout=timeout)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None


def _ready(port: int, log: Path) -> bool:
    """Listening, and the simulator has printed its URL (its inventory is built by then)."""
    return port_open(port) and log.exists() and "VCSIM_URL=" in log.read_text(errors="replace")


def start_vcsim(workdir: Path, *, datacenters: int = 1, clusters: int = 1, cluster_hosts: int = 3,
                standalone_hosts: int = 1, vms_per_pool: int = 2, datastores: int = 1,
                series: Mapping[tuple[str, int], Sequence[int]] | None = None, timeout: float = 120) -> VcsimServer:
    """Start a simulated vCenter of the given shape on a free port; stop it with ``.stop()``.

    ``series`` replaces the samples the simulator replays for (entity type, counter id), e.g.
    ``{("VirtualMachine", 90): [2048, 4096]}``; an empty sequence removes them, so QueryPerf returns
    no values for that counter on that entity type. Values must be positive (the simulator's XML
    encoding drops zeros).
    """
    binary = build_vcsim()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cert = workdir / f"vcsim-{port}.pem"
    log = workdir / f"vcsim-{port}.log"
    args = [str(binary), "-port", str(port), "-cert", str(cert), "-dc", str(datacenters), "-cluster", str(clusters),
            "-host", str(cluster_hosts), "-standalone-host", str(standalone_hosts), "-vm", str(vms_per_pool),
            "-ds", str(datastores), "-username", USERNAME, "-password", PASSWORD]
    for (kind, counter), values in (series or {}).items():
        args += ["-series", f"{kind}:{int(counter)}=" + ",".join(str(int(v)) for v in values)]
    proc = start_process(args, str(log))
    server = VcsimServer("127.0.0.1", port, cert, proc, datacenters=datacenters, clusters=clusters,
                         cluster_hosts=cluster_hosts, standalone_hosts=standalone_hosts, vms_per_pool=vms_per_pool,
                         datastores=datastores)
    try:
        wait_until(lambda: _ready(port, log), timeout, "vcsim", proc, str(log))
    except BaseException:
        server.stop()
        raise
    return server
