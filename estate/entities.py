"""The objects of the simulated estate, fixed at construction (facts are drawn later, per hour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Node:
    cluster_id: str
    name: str
    role: str  # master, infra or worker
    zone: str
    cores: int
    memory_bytes: int
    vm_uuid: str
    vsphere_cluster: str = ""
    host: str = ""

    @property
    def allocatable_cores(self) -> float:
        # OpenShift's default system reservation: half a core and 1 GiB, plus the eviction threshold.
        return self.cores - 0.5

    @property
    def allocatable_memory(self) -> int:
        return self.memory_bytes - (1 << 30) - 100 * (1 << 20)


@dataclass
class Namespace:
    cluster_id: str
    name: str
    is_platform: bool
    labels: dict[str, str]
    intended_sector: str | None  # the sector a correct mapping assigns (see truth.py)
    application: str | None
    cost_centre: str | None
    key: int
    log_docs: float  # mean log documents per hour at full load
    doc_bytes: float
    error_rate: float
    warning_rate: float


@dataclass
class Workload:
    cluster_id: str
    namespace: str
    name: str
    kind: str
    platform: bool
    replicas: int
    sizing: str  # over, right or under (requests versus what the workload uses)
    cpu_request: float  # cores per pod (main container)
    cpu_limit: float  # NaN: no limit
    memory_request: float  # bytes
    memory_limit: float  # NaN: no limit
    cpu_ratio: float  # usage / request at the daily peak, before growth and noise
    memory_ratio: float
    amplitude: float  # share of the load that follows the business day
    utc_offset: int
    monthly_growth: float
    churn_hours: int  # a rollout replaces the pods every churn_hours
    churn_phase: int
    start_hour: int  # hour index (from the estate start) of the first pod
    sidecar: str | None
    key: int
    pvc_gib: int = 0
    storage_class: str | None = None


@dataclass
class Service:
    cluster_id: str
    namespace: str
    name: str  # the workload that serves it
    slis: tuple[str, ...]
    rate_per_second: float
    base_error: float
    base_slow: float
    utc_offset: int
    key: int


@dataclass(frozen=True)
class Incident:
    """A window in which a service fails a share of its requests and its namespace logs errors."""

    cluster_id: str
    namespace: str
    service: str
    start: datetime
    end: datetime
    error_rate: float


@dataclass
class Cluster:
    cluster_id: str
    name: str
    index: int
    owner: str | None
    shared: bool
    sectors: tuple[str, ...]
    vcenter: str
    zones: tuple[str, ...]
    vsphere_clusters: tuple[str, ...]
    datacenters: tuple[str, ...]
    nodes: list[Node] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)


@dataclass
class Host:
    vcenter: str
    name: str
    datacenter: str
    vsphere_cluster: str
    zone: str
    cores: int
    mhz_per_core: int
    memory_bytes: int
    key: int


@dataclass
class VirtualMachine:
    vcenter: str
    uuid: str
    name: str
    host: str
    vsphere_cluster: str
    num_cpu: int
    memory_bytes: int
    cluster_id: str | None
    node: str | None
    key: int


@dataclass
class Datastore:
    vcenter: str
    name: str
    datacenter: str
    type: str
    capacity_bytes: int
    used_fraction: float  # at the estate start
    monthly_growth: float  # of the used fraction
    key: int


@dataclass
class VCenter:
    name: str
    index: int
    hosts: list[Host] = field(default_factory=list)
    vms: list[VirtualMachine] = field(default_factory=list)
    datastores: list[Datastore] = field(default_factory=list)
