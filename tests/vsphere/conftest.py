"""Session fixtures: a simulated vCenter (vcsim built from Debian's govmomi source) and configs for it.

``vcsim`` is started once per session with a known shape, so inventory counts can be checked
against what it was started with. Tests that stop a vCenter start their own with ``spare_vcsim``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import SecretStr

from collectors.base import Batch
from collectors.vsphere.config import VCenterConfig, VSphereConfig
from testbed.vcsim import VcsimServer, available, start_vcsim

SHAPE = {"datacenters": 1, "clusters": 2, "cluster_hosts": 3, "standalone_hosts": 1, "vms_per_pool": 4,
         "datastores": 2}
# vCenter counter ids in vcsim's catalogue (govmomi simulator/vpx/performance_manager.go), for ``series=``.
CPU_READY, MEM_VMMEMCTL, MEM_SWAPPED, MEM_SWAPUSED = 12, 90, 70, 49


@pytest.fixture(scope="session")
def vcsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcsimServer]:
    missing = available()
    if missing:
        pytest.fail(missing, pytrace=False)
    server = start_vcsim(tmp_path_factory.mktemp("vcsim"), **SHAPE)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def spare_vcsim(tmp_path: Path) -> Iterator[Callable[..., VcsimServer]]:
    """Starts small extra vCenters for one test (to be stopped mid-run); all stopped afterwards."""
    started: list[VcsimServer] = []

    def start(**shape: int) -> VcsimServer:
        server = start_vcsim(tmp_path / f"spare{len(started)}", **{"clusters": 1, "cluster_hosts": 1,
                                                                     "standalone_hosts": 0, "vms_per_pool": 2,
                                                                     **shape})
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def vcenter_of(server: VcsimServer, name: str = "vc-test", **overrides: object) -> VCenterConfig:
    """Config of a vCenter pointing at ``server``, verifying TLS against its own certificate."""
    fields: dict[str, object] = {"name": name, "host": server.host, "port": server.port,
                                 "username": server.username, "password": SecretStr(server.password),
                                 "ca_bundle": server.cert}
    fields.update(overrides)
    return VCenterConfig.model_validate(fields)


def config_of(*vcenters: VCenterConfig, **overrides: object) -> VSphereConfig:
    return VSphereConfig.model_validate({"vcenters": list(vcenters), **overrides})


def by_table(out: Iterable[Any]) -> dict[str, pd.DataFrame]:
    """A collector's output as {table: frame}; every item must be a Batch (no vCenter failed)."""
    batches = list(out)
    assert all(isinstance(b, Batch) for b in batches), batches
    return {b.table: b.frame for b in batches}
