"""OpenMetrics text of the simulated estate, for ``promtool tsdb create-blocks-from openmetrics``.

The writer turns the estate's dimension frames and hourly fact batches into the series an OpenShift
cluster's Prometheus holds (cAdvisor, kube-state-metrics, kubelet volume stats, the HAProxy router),
with the names and labels of OPENSHIFT-METRICS.md and a ``cluster`` label on every series, so a
collector tested against a backfilled Prometheus can be checked against the frames it came from.

How facts become samples (``step_seconds`` apart, on a grid aligned to the Unix epoch):

- A pod runs over whole hours, except that the first hour of a pod with ``pod_seconds < 3600`` ends
  at the hour's end (the pod started late) and a last hour with ``pod_seconds < 3600`` starts at the
  hour start (the pod stopped early). A gap in a pod's hours starts a new pod instance (new ``uid``,
  counters from 0).
- Counters rise at a constant rate inside each interval and are cumulative across hours, so the
  value at each hour boundary is exactly the sum of the previous hours' facts. Each instance ends
  with a closing sample at its last interval's end: ``increase(x[1h])`` evaluated at an hour end
  (Prometheus 2.x ranges include both ends) sees samples on both boundaries and is exact; a pod
  that starts off-grid is recovered exactly by Prometheus' extrapolation to zero; a pod that stops
  mid-hour is over-counted by up to 1.1 steps of its rate (Prometheus extrapolates to the range end).
- Gauges hold the interval's mean (``*_seconds`` fact / pod seconds) at every sample of the interval;
  the working set also places the hour's peak (``memory_max_bytes``) on one sample while keeping the
  sample mean equal to the fact.
- Event counters (OOM kills, restarts) step up at the interval's midpoint.
- The pod-level cgroup (``container=""``) is the sum of its containers plus the pause container
  (``container="POD"``, a small constant load): the series collectors must exclude.

Files are written family by family (one ``# HELP``/``# TYPE`` each, series contiguous and time
ordered, timestamps in seconds, ``# EOF`` at the end). Each cluster's samples are expanded a chunk
of series at a time and appended to one temporary spool file per family; the spools are then
concatenated into the output, so memory is bounded by one cluster's hourly rows and one chunk's
samples, never by the total sample count.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Protocol

import numpy as np
import pandas as pd

from collectors.base import Batch
from common.windows import Window

_EPOCH = datetime(1970, 1, 1)
HOUR_S = 3600
SLI_BUCKET_S = 300
OPENMETRICS_TABLES: tuple[str, ...] = (
    "pod_usage_hourly", "container_usage_hourly", "node_hourly", "pvc_hourly", "sli_5m",
)
POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
PAUSE_CPU_CORES = 0.0002
PAUSE_MEMORY_BYTES = 1_048_576.0
CFS_PERIODS_PER_SECOND = 10.0  # 100 ms CFS period
CHUNK_ROWS = 20_000  # hourly rows expanded to samples at a time (about 1.2M samples at a 60 s step)

_KUBELET = {"job": "kubelet", "service": "kubelet"}
_CADVISOR = {**_KUBELET, "metrics_path": "/metrics/cadvisor"}
_KUBELET_METRICS = {**_KUBELET, "metrics_path": "/metrics"}
_KSM = {"job": "kube-state-metrics", "service": "kube-state-metrics"}
_ROUTER = {"job": "router-internal-default", "service": "router-internal-default",
           "namespace": "openshift-ingress"}


@dataclass(frozen=True)
class Family:
    """A metric family: its name in ``# TYPE`` (without ``_total``), type and help text."""

    name: str
    type: str
    help: str

    @property
    def sample_name(self) -> str:
        return f"{self.name}_total" if self.type == "counter" else self.name


def _families(*specs: tuple[str, str, str]) -> dict[str, Family]:
    return {name: Family(name, kind, text) for name, kind, text in specs}


FAMILIES: dict[str, Family] = _families(
    ("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed in seconds."),
    ("container_memory_working_set_bytes", "gauge", "Current working set in bytes."),
    ("container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory "
     "regardless of when it was accessed."),
    ("container_memory_rss", "gauge", "Size of RSS in bytes."),
    ("container_cpu_cfs_periods", "counter", "Number of elapsed enforcement period intervals."),
    ("container_cpu_cfs_throttled_periods", "counter", "Number of throttled period intervals."),
    ("container_cpu_cfs_throttled_seconds", "counter", "Total time duration the container has been "
     "throttled."),
    ("container_oom_events", "counter", "Count of out of memory events observed for the container."),
    ("kube_pod_container_resource_requests", "gauge", "The number of requested request resource by "
     "a container."),
    ("kube_pod_container_resource_limits", "gauge", "The number of requested limit resource by a "
     "container."),
    ("kube_pod_status_phase", "gauge", "The pods current phase."),
    ("kube_pod_info", "gauge", "Information about pod."),
    ("kube_pod_owner", "gauge", "Information about the Pod's owner."),
    ("kube_replicaset_owner", "gauge", "Information about the ReplicaSet's owner."),
    ("kube_replicationcontroller_owner", "gauge", "Information about the ReplicationController's "
     "owner."),
    ("kube_pod_container_status_restarts", "counter", "The number of container restarts per "
     "container."),
    ("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the "
     "container was in terminated state."),
    ("kube_node_status_capacity", "gauge", "The capacity for different resources of a node."),
    ("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node "
     "that are available for scheduling."),
    ("kube_node_info", "gauge", "Information about a cluster node."),
    ("kube_node_role", "gauge", "The role of a cluster node."),
    ("kube_node_labels", "gauge", "Kubernetes labels converted to Prometheus labels."),
    ("kube_namespace_labels", "gauge", "Kubernetes labels converted to Prometheus labels."),
    ("kube_persistentvolumeclaim_info", "gauge", "Information about persistent volume claim."),
    ("kube_persistentvolumeclaim_resource_requests_storage_bytes", "gauge", "The capacity of "
     "storage requested by the persistent volume claim."),
    ("kube_persistentvolume_capacity_bytes", "gauge", "Persistentvolume capacity in bytes."),
    ("kubelet_volume_stats_used_bytes", "gauge", "Number of used bytes in the volume."),
    ("kubelet_volume_stats_capacity_bytes", "gauge", "Capacity in bytes of the volume."),
    ("haproxy_backend_http_responses", "counter", "Total of HTTP responses."),
)


@dataclass
class OpenMetricsStats:
    """What one write produced: counts per family and the time it took."""

    clusters: int = 0
    series: int = 0
    samples: int = 0
    seconds: float = 0.0
    samples_by_family: dict[str, int] = field(default_factory=dict)

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else 0.0


class EstateLike(Protocol):
    """The part of the simulated estate the writer uses."""

    def dimensions(self) -> Mapping[str, pd.DataFrame]: ...

    def collect(self, window: Window, tables: Sequence[str] | None = None) -> Iterator[Batch]: ...


# --------------------------------------------------------------------------- text output


_LABEL_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def sanitize_label_name(key: str) -> str:
    """A Kubernetes label key as kube-state-metrics exposes it: ``label_`` + key, invalid chars → ``_``."""
    return "label_" + _LABEL_NAME_INVALID.sub("_", key)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def series_prefix(metric: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    return f"{metric}{{{inner}}}"


class _Spool:
    """One temporary file per family; series are appended cluster by cluster, then concatenated."""

    def __init__(self, stats: OpenMetricsStats) -> None:
        self._files: dict[str, IO[str]] = {}
        self._stats = stats

    def series(self, family: str, labels: Mapping[str, str], t: np.ndarray, v: np.ndarray) -> None:
        if len(t) == 0:
            return
        fam = FAMILIES[family]
        fh = self._files.get(family)
        if fh is None:
            fh = self._files[family] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        prefix = series_prefix(fam.sample_name, labels)
        fh.write("".join([f"{prefix} {x!r} {s}\n" for x, s in zip(v.tolist(), t.tolist(), strict=True)]))
        self._stats.series += 1
        self._stats.samples += len(t)
        self._stats.samples_by_family[family] = self._stats.samples_by_family.get(family, 0) + len(t)

    def drain(self, out: IO[str]) -> None:
        for name, fam in FAMILIES.items():
            fh = self._files.get(name)
            if fh is None:
                continue
            out.write(f"# HELP {fam.name} {fam.help}\n# TYPE {fam.name} {fam.type}\n")
            fh.seek(0)
            shutil.copyfileobj(fh, out, 1 << 20)
        out.write("# EOF\n")

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()


# --------------------------------------------------------------------------- sample timelines


def epoch_seconds(values: pd.Series) -> np.ndarray:
    """Naive-UTC (or aware) timestamps as integer Unix seconds."""
    ts = pd.to_datetime(values)
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ((ts - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


@dataclass
class _Timeline:
    """Grid samples of rows sorted by series then time; ``new_group`` marks each series' first row.

    Row ``i`` covers ``[a[i], b[i])`` and owns the grid points inside it.
    """

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    row: np.ndarray
    row_start: np.ndarray
    group_of_row: np.ndarray
    group_first_row: np.ndarray

    @classmethod
    def build(cls, a: np.ndarray, b: np.ndarray, new_group: np.ndarray, step: int) -> _Timeline:
        first = -(-a // step) * step
        counts = np.maximum(0, -(-b // step) - first // step)
        row_start = np.concatenate([[0], np.cumsum(counts)])
        row = np.repeat(np.arange(len(a)), counts)
        t = first[row] + (np.arange(row_start[-1]) - row_start[row]) * step
        group_of_row = np.cumsum(new_group) - 1
        group_first_row = np.concatenate([np.flatnonzero(new_group), [len(a)]])
        return cls(a, b, t.astype(np.int64), row, row_start, group_of_row, group_first_row)

    @property
    def groups(self) -> int:
        return len(self.group_first_row) - 1

    def rows(self, g: int) -> range:
        return range(self.group_first_row[g], self.group_first_row[g + 1])

    def span(self, g: int) -> slice:
        rows = self.rows(g)
        return slice(self.row_start[rows.start], self.row_start[rows.stop])

    def gauge(self, per_row: np.ndarray) -> np.ndarray:
        return np.asarray(per_row, dtype=float)[self.row]

    def gauge_with_peak(self, mean: np.ndarray, peak: np.ndarray) -> np.ndarray:
        """Samples whose per-row mean is ``mean`` and whose per-row maximum is ``peak`` where possible."""
        values = self.gauge(mean)
        n = np.diff(self.row_start).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = (n * mean - peak) / (n - 1)
        ok = (n > 1) & np.isfinite(peak) & (peak > mean) & (rest >= 0)
        pos = np.arange(len(self.t)) - self.row_start[self.row]
        is_peak = pos == (n[self.row] // 2)
        values = np.where(ok[self.row], np.where(is_peak, peak[self.row], rest[self.row]), values)
        return values

    def counter(self, inc: np.ndarray, *, steps: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample values of a counter from 0 per group, and each group's closing value.

        ``steps``: the row's increment lands at its midpoint (events) instead of at a constant rate.
        """
        inc = np.nan_to_num(np.asarray(inc, dtype=float), nan=0.0)
        total = pd.Series(inc).groupby(self.group_of_row).cumsum().to_numpy()
        before = total - inc
        r = self.row
        if steps:
            mid = (self.a + self.b) / 2
            values = before[r] + np.where(self.t >= mid[r], inc[r], 0.0)
        else:
            frac = (self.t - self.a[r]) / (self.b[r] - self.a[r])
            values = before[r] + inc[r] * frac
        closing = total[self.group_first_row[1:] - 1]
        return values, closing

    def closing_time(self, g: int) -> int:
        return int(self.b[self.group_first_row[g + 1] - 1])


def _emit_counter(spool: _Spool, family: str, labels: Mapping[str, str], tl: _Timeline,
                  values: np.ndarray, closing: np.ndarray, g: int) -> None:
    s = tl.span(g)
    t = np.append(tl.t[s], tl.closing_time(g))
    v = np.append(values[s], closing[g])
    spool.series(family, labels, t, v)


def _emit_gauge(spool: _Spool, family: str, labels: Mapping[str, str], tl: _Timeline,
                values: np.ndarray, g: int) -> None:
    s = tl.span(g)
    v = values[s]
    keep = np.isfinite(v)
    spool.series(family, labels, tl.t[s][keep], v[keep])


def _chunks(new_group: np.ndarray, max_rows: int) -> Iterator[slice]:
    """Row slices of about ``max_rows`` rows that never split a series."""
    starts = np.flatnonzero(new_group)
    lo = 0
    while lo < len(new_group):
        cut = starts[np.searchsorted(starts, lo + max_rows, side="left"):]
        hi = int(cut[0]) if len(cut) else len(new_group)
        yield slice(lo, hi)
        lo = hi


def _groups_by_key(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """First row of each series: the key changes or the interval does not continue the previous one."""
    changed = np.zeros(len(frame), dtype=bool)
    for k in keys:
        col = frame[k].astype(str).to_numpy()
        changed[1:] |= col[1:] != col[:-1]
    a, b = frame["_a"].to_numpy(), frame["_b"].to_numpy()
    changed[1:] |= a[1:] != b[:-1]
    if len(frame):
        changed[0] = True
    return changed


# --------------------------------------------------------------------------- deterministic details


def _h(*parts: object) -> int:
    return zlib.crc32("\x1f".join(map(str, parts)).encode())


def _hex(*parts: object, length: int = 64) -> str:
    out, i = "", 0
    while len(out) < length:
        out += f"{_h(i, *parts):08x}"
        i += 1
    return out[:length]


def _ip(prefix: str, *parts: object) -> str:
    h = _h(*parts)
    return f"{prefix}.{(h >> 8) & 0xFF}.{max(1, h & 0xFF)}"


def _uid(cluster: str, namespace: str, pod: str, start: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pod://{cluster}/{namespace}/{pod}/{start}"))


def _text(value: object, default: str = "") -> str:
    return default if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA \
        else str(value)


def _owner(kind: str, workload: str, pod: str) -> tuple[str, str]:
    """(owner_kind, owner_name) of a pod as kube_pod_owner shows it."""
    if not kind or not workload:
        return "<none>", "<none>"
    parent = pod.rsplit("-", 1)[0] if pod.startswith(workload + "-") and pod.count("-") > \
        workload.count("-") + 1 else f"{workload}-{_hex(workload, length=10)}"
    if kind == "Deployment":
        return "ReplicaSet", parent
    if kind == "DeploymentConfig":
        return "ReplicationController", parent
    if kind == "CronJob":
        return "Job", parent
    return kind, workload


# --------------------------------------------------------------------------- per-cluster frames


def _pod_intervals(pods: pd.DataFrame) -> pd.DataFrame:
    """Pod rows sorted by pod and hour with run intervals ``_a``/``_b`` (Unix seconds) and ``_seg``."""
    pods = pods[pods["pod_seconds"].fillna(0) > 0].copy()
    pods["_h"] = epoch_seconds(pods["hour"])
    pods = pods.sort_values(["namespace", "pod", "_h"], kind="stable").reset_index(drop=True)
    h = pods["_h"].to_numpy()
    key = (pods["namespace"].astype(str) + "/" + pods["pod"].astype(str)).to_numpy()
    first = np.ones(len(pods), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (h[1:] != h[:-1] + HOUR_S)
    last = np.ones(len(pods), dtype=bool)
    last[:-1] = first[1:]
    p = np.clip(np.rint(pods["pod_seconds"].to_numpy(float)), 1, HOUR_S).astype(np.int64)
    a, b = h.copy(), h + HOUR_S
    starts_late = first & ~last & (p < HOUR_S)
    a[starts_late] = b[starts_late] - p[starts_late]
    stops_early = last & ~starts_late & (p < HOUR_S)
    b[stops_early] = a[stops_early] + p[stops_early]
    pods["_a"], pods["_b"], pods["_seg"] = a, b, np.cumsum(first)
    pods["_p"] = (b - a).astype(float)
    return pods


def _containers_from_pods(pods: pd.DataFrame) -> pd.DataFrame:
    """One container per pod, named after its workload, when there are no container facts."""
    c = pods.copy()
    fallback = c["pod"].astype(str).str.rsplit("-", n=1).str[0]
    c["container"] = c["workload"].where(c["workload"].notna(), fallback) if "workload" in c else fallback
    return c


@dataclass
class _Cluster:
    cluster: str
    tables: dict[str, pd.DataFrame]
    nodes: pd.DataFrame
    namespaces: pd.DataFrame
    span: Window
    step: int

    def frame(self, name: str) -> pd.DataFrame | None:
        f = self.tables.get(name)
        return None if f is None or f.empty else f

    def node_ips(self) -> dict[str, str]:
        return {n: _ip("10.0", self.cluster, n) for n in self.nodes["node"].astype(str)} if len(
            self.nodes) else {}


def _write_cluster(spool: _Spool, c: _Cluster) -> None:
    pods = c.frame("pod_usage_hourly")
    containers = c.frame("container_usage_hourly")
    if pods is not None or containers is not None:
        _write_pods(spool, c, pods, containers)
    _write_nodes(spool, c)
    _write_namespaces(spool, c)
    _write_pvcs(spool, c)
    _write_slis(spool, c)


def _write_pods(spool: _Spool, c: _Cluster, pods: pd.DataFrame | None,
                containers: pd.DataFrame | None) -> None:
    if pods is None:
        assert containers is not None
        keys = containers[["namespace", "pod", "hour", "node"]].drop_duplicates(["namespace", "pod", "hour"])
        pods = keys.assign(pod_seconds=float(HOUR_S), workload=None, workload_kind=None)
    pods = _pod_intervals(pods)
    pods["_uid"] = [
        _uid(c.cluster, ns, pod, a) for ns, pod, a in zip(
            pods["namespace"], pods["pod"], pods.groupby("_seg")["_a"].transform("min"), strict=True)
    ]
    if containers is None:
        cont = _containers_from_pods(pods)
    else:
        cont = containers.copy()
        cont["_h"] = epoch_seconds(cont["hour"])
        cont = cont.merge(
            pods[["namespace", "pod", "_h", "_a", "_b", "_p", "_seg", "_uid", "workload", "workload_kind"]
                 + ([] if "node" in cont else ["node"])],
            on=["namespace", "pod", "_h"], how="inner")
    cont = cont.sort_values(["namespace", "pod", "container", "_a"], kind="stable").reset_index(drop=True)
    ips = c.node_ips()
    for part in _chunks(_groups_by_key(cont, ["namespace", "pod", "container"]), CHUNK_ROWS):
        _write_containers(spool, c, cont.iloc[part].reset_index(drop=True), ips)
    pods = _with_container_sums(pods, cont)
    parents: dict[tuple[str, str, str], tuple[str, str, int, int]] = {}
    for part in _chunks(_groups_by_key(pods, ["namespace", "pod"]), CHUNK_ROWS):
        _write_pod_level(spool, c, pods.iloc[part].reset_index(drop=True), ips, parents)
    _write_parents(spool, c, parents)


def _col(frame: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    return frame[name].to_numpy(float) if name in frame else np.full(len(frame), default)


def _write_containers(spool: _Spool, c: _Cluster, cont: pd.DataFrame, ips: Mapping[str, str]) -> None:
    tl = _Timeline.build(cont["_a"].to_numpy(), cont["_b"].to_numpy(),
                         _groups_by_key(cont, ["namespace", "pod", "container"]), c.step)
    p = cont["_p"].to_numpy()
    ws = _col(cont, "memory_usage_byte_seconds") / p
    rss = _col(cont, "memory_rss_byte_seconds") / p
    rss = np.where(np.isfinite(rss), rss, 0.85 * ws)
    cache = np.array([0.05 + (_h(n) % 30) / 100 for n in cont["container"].astype(str)])
    cpu_limit = _col(cont, "cpu_limit_core_seconds")
    periods = _col(cont, "cpu_periods")
    periods = np.where(np.isfinite(periods), periods,
                       np.where(np.isfinite(cpu_limit), CFS_PERIODS_PER_SECOND * p, 0.0))
    thr_s = np.nan_to_num(_col(cont, "cpu_throttled_seconds"))
    thr_p = _col(cont, "cpu_throttled_periods")
    thr_p = np.where(np.isfinite(thr_p), thr_p, np.minimum(periods, np.ceil(thr_s * 20)))
    oom = np.nan_to_num(_col(cont, "oom_kills"))
    gauges = {
        "container_memory_working_set_bytes": tl.gauge_with_peak(ws, _col(cont, "memory_max_bytes")),
        "container_memory_usage_bytes": tl.gauge(ws * (1 + cache)),
        "container_memory_rss": tl.gauge(rss),
    }
    counters = {
        "container_cpu_usage_seconds": tl.counter(_col(cont, "cpu_usage_core_seconds")),
        "container_cpu_cfs_periods": tl.counter(periods),
        "container_cpu_cfs_throttled_periods": tl.counter(thr_p),
        "container_cpu_cfs_throttled_seconds": tl.counter(thr_s),
        "container_oom_events": tl.counter(oom, steps=True),
    }
    restarts = tl.counter(_col(cont, "restarts", 0.0), steps=True)
    requests = {r: _col(cont, f"{r}_request_{u}_seconds") / p for r, u in (("cpu", "core"), ("memory", "byte"))}
    limits = {r: _col(cont, f"{r}_limit_{u}_seconds") / p for r, u in (("cpu", "core"), ("memory", "byte"))}
    first_oom_mid = np.where(oom > 0, (cont["_a"].to_numpy() + cont["_b"].to_numpy()) / 2, np.inf)
    ns_, pod_, name_, node_, uid_ = (cont[k].astype(str).to_numpy() for k in
                                     ("namespace", "pod", "container", "node", "_uid"))
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pod, name, node, uid = ns_[r], pod_[r], name_[r], node_[r], uid_[r]
        cid = _hex(uid, name)
        base = {"cluster": c.cluster, **_CADVISOR, "instance": f"{ips.get(node, '10.0.0.1')}:10250",
                "node": node, "namespace": ns, "pod": pod, "container": name,
                "id": f"{_pod_slice(uid)}/crio-{cid}.scope",
                "image": f"image-registry.openshift-image-registry.svc:5000/{ns}/{name}:1.0",
                "name": f"k8s_{name}_{pod}_{ns}_{uid}_0"}
        for fam, values in gauges.items():
            _emit_gauge(spool, fam, base, tl, values, g)
        for fam, (values, closing) in counters.items():
            _emit_counter(spool, fam, base, tl, values, closing, g)
        ksm = {"cluster": c.cluster, **_KSM, "namespace": ns, "pod": pod, "uid": uid, "container": name}
        for resource, unit in (("cpu", "core"), ("memory", "byte")):
            for fam, per_row in (("kube_pod_container_resource_requests", requests),
                                 ("kube_pod_container_resource_limits", limits)):
                _emit_gauge(spool, fam, {**ksm, "node": node, "resource": resource, "unit": unit}, tl,
                            tl.gauge(per_row[resource]), g)
        _emit_counter(spool, "kube_pod_container_status_restarts", ksm, tl, *restarts, g)
        rows = tl.rows(g)
        oom_from = first_oom_mid[rows.start:rows.stop].min()
        if np.isfinite(oom_from):
            s = tl.span(g)
            keep = tl.t[s] >= oom_from
            spool.series("kube_pod_container_status_last_terminated_reason", {**ksm, "reason": "OOMKilled"},
                         tl.t[s][keep], np.ones(int(keep.sum())))


def _pod_slice(uid: str) -> str:
    return ("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            f"{uid.replace('-', '_')}.slice")


def _with_container_sums(pods: pd.DataFrame, cont: pd.DataFrame) -> pd.DataFrame:
    """Pod rows with their containers' usage summed (the pod cgroup holds all of them)."""
    sums = cont.assign(
        _cpu=_col(cont, "cpu_usage_core_seconds"), _ws=_col(cont, "memory_usage_byte_seconds"),
        _rss=_col(cont, "memory_rss_byte_seconds"), _thr=_col(cont, "cpu_throttled_seconds"),
        _oom=_col(cont, "oom_kills"),
    ).groupby(["namespace", "pod", "_h"])[["_cpu", "_ws", "_rss", "_thr", "_oom"]].sum(min_count=1)
    return pods.merge(sums, left_on=["namespace", "pod", "_h"], right_index=True, how="left")


def _write_pod_level(spool: _Spool, c: _Cluster, pods: pd.DataFrame, ips: Mapping[str, str],
                     parents: dict[tuple[str, str, str], tuple[str, str, int, int]]) -> None:
    """The pod cgroup (container="") and pause container (container="POD"), plus pod objects."""
    tl = _Timeline.build(pods["_a"].to_numpy(), pods["_b"].to_numpy(),
                         _groups_by_key(pods, ["namespace", "pod"]), c.step)
    p = pods["_p"].to_numpy()
    pause_cpu = PAUSE_CPU_CORES * p
    ws = np.nan_to_num(pods["_ws"].to_numpy(float)) / p
    rss = pods["_rss"].to_numpy(float) / p
    rss = np.where(np.isfinite(rss), rss, 0.85 * ws)
    pod_level = {
        "container_cpu_usage_seconds": tl.counter(np.nan_to_num(pods["_cpu"].to_numpy(float)) + pause_cpu),
        "container_cpu_cfs_throttled_seconds": tl.counter(pods["_thr"].to_numpy(float)),
        "container_oom_events": tl.counter(pods["_oom"].to_numpy(float), steps=True),
    }
    pod_gauges = {
        "container_memory_working_set_bytes": tl.gauge(ws + PAUSE_MEMORY_BYTES),
        "container_memory_usage_bytes": tl.gauge(1.15 * ws + PAUSE_MEMORY_BYTES),
        "container_memory_rss": tl.gauge(rss + PAUSE_MEMORY_BYTES),
    }
    pause_cpu_counter = tl.counter(pause_cpu)
    pause_mem = tl.gauge(np.full(len(pods), PAUSE_MEMORY_BYTES))
    ones = np.ones(len(tl.t))
    zeros = np.zeros(len(tl.t))
    cols = {k: pods[k].astype(str).to_numpy() for k in ("namespace", "pod", "node", "_uid")}
    workloads = pods["workload"].map(_text).to_numpy() if "workload" in pods else np.full(len(pods), "")
    kinds = pods["workload_kind"].map(_text).to_numpy() if "workload_kind" in pods else np.full(len(pods), "")
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pod, node, uid = (cols[k][r] for k in ("namespace", "pod", "node", "_uid"))
        ip = ips.get(node, "10.0.0.1")
        base = {"cluster": c.cluster, **_CADVISOR, "instance": f"{ip}:10250", "node": node,
                "namespace": ns, "pod": pod}
        cgroup = {**base, "container": "", "id": _pod_slice(uid), "image": "", "name": ""}
        for fam, (values, closing) in pod_level.items():
            _emit_counter(spool, fam, cgroup, tl, values, closing, g)
        for fam, values in pod_gauges.items():
            _emit_gauge(spool, fam, cgroup, tl, values, g)
        pause = {**base, "container": "POD", "id": f"{_pod_slice(uid)}/crio-{_hex(uid, 'POD')}.scope",
                 "image": "registry.redhat.io/openshift4/ose-pod@sha256:" + _hex("pause"),
                 "name": f"k8s_POD_{pod}_{ns}_{uid}_0"}
        _emit_counter(spool, "container_cpu_usage_seconds", pause, tl, *pause_cpu_counter, g)
        _emit_gauge(spool, "container_memory_working_set_bytes", pause, tl, pause_mem, g)
        ksm = {"cluster": c.cluster, **_KSM, "namespace": ns, "pod": pod, "uid": uid}
        for phase in POD_PHASES:
            _emit_gauge(spool, "kube_pod_status_phase", {**ksm, "phase": phase}, tl,
                        ones if phase == "Running" else zeros, g)
        owner_kind, owner_name = _owner(kinds[r], workloads[r], pod)
        _emit_gauge(spool, "kube_pod_info", {
            **ksm, "node": node, "host_ip": ip, "pod_ip": _ip("10.128", c.cluster, uid),
            "created_by_kind": owner_kind, "created_by_name": owner_name, "host_network": "false",
            "priority_class": "openshift-user-critical" if ns.startswith("openshift-") else ""}, tl, ones, g)
        _emit_gauge(spool, "kube_pod_owner", {**ksm, "owner_kind": owner_kind, "owner_name": owner_name,
                                               "owner_is_controller": "true"}, tl, ones, g)
        if owner_kind in ("ReplicaSet", "ReplicationController"):
            key = (ns, owner_kind, owner_name)
            lo, hi = int(tl.a[r]), tl.closing_time(g)
            prev = parents.get(key)
            parents[key] = (kinds[r], workloads[r], min(lo, prev[2]) if prev else lo,
                            max(hi, prev[3]) if prev else hi)


def _write_parents(spool: _Spool, c: _Cluster, parents: Mapping[tuple[str, str, str],
                   tuple[str, str, int, int]]) -> None:
    for (ns, owner_kind, name), (kind, workload, lo, hi) in sorted(parents.items()):
        t = _grid(lo, hi, c.step)
        if owner_kind == "ReplicaSet":
            fam, labels = "kube_replicaset_owner", {"replicaset": name}
        else:
            fam, labels = "kube_replicationcontroller_owner", {"replicationcontroller": name}
        spool.series(fam, {"cluster": c.cluster, **_KSM, "namespace": ns, **labels, "owner_kind": kind,
                           "owner_name": workload, "owner_is_controller": "true"}, t, np.ones(len(t)))


def _unix(ts: datetime) -> int:
    """A naive-UTC datetime as Unix seconds (never the local time zone)."""
    return int((ts - _EPOCH).total_seconds())


def _grid(lo: int, hi: int, step: int) -> np.ndarray:
    return np.arange(-(-lo // step) * step, hi, step, dtype=np.int64)


def _write_nodes(spool: _Spool, c: _Cluster) -> None:
    facts = c.frame("node_hourly")
    dims = c.nodes.set_index(c.nodes["node"].astype(str)) if len(c.nodes) else pd.DataFrame()
    if facts is not None:
        f = facts[facts["node_seconds"].fillna(0) > 0].copy()
        f["_a"] = epoch_seconds(f["hour"])
        f["_b"] = f["_a"] + np.clip(np.rint(f["node_seconds"].to_numpy(float)), 1, HOUR_S).astype(np.int64)
        secs = f["node_seconds"].to_numpy(float)
        for kind in ("capacity", "allocatable"):
            f[f"_cpu_{kind}"] = f[f"cpu_{kind}_core_seconds"].to_numpy(float) / secs
            f[f"_mem_{kind}"] = f[f"memory_{kind}_byte_seconds"].to_numpy(float) / secs
    elif len(dims):
        f = pd.DataFrame({"node": dims.index, "role": dims["role"].to_numpy(),
                          "_a": _unix(c.span.start), "_b": _unix(c.span.end)})
        for kind in ("capacity", "allocatable"):
            f[f"_cpu_{kind}"] = dims["cpu_cores"].to_numpy(float)
            f[f"_mem_{kind}"] = dims["memory_bytes"].to_numpy(float)
    else:
        return
    f = f.sort_values(["node", "_a"], kind="stable").reset_index(drop=True)
    tl = _Timeline.build(f["_a"].to_numpy(), f["_b"].to_numpy(), _groups_by_key(f, ["node"]), c.step)
    ips = c.node_ips()
    ksm = {"cluster": c.cluster, **_KSM}
    pods_cap = tl.gauge(np.full(len(f), 250.0))
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        node = str(f["node"].iat[r])
        info = dims.loc[node] if node in dims.index else pd.Series(dtype=object)
        role = _text(f["role"].iat[r] if "role" in f else info.get("role"), "worker")
        for kind in ("capacity", "allocatable"):
            fam = f"kube_node_status_{kind}"
            _emit_gauge(spool, fam, {**ksm, "node": node, "resource": "cpu", "unit": "core"}, tl,
                        tl.gauge(f[f"_cpu_{kind}"].to_numpy(float)), g)
            _emit_gauge(spool, fam, {**ksm, "node": node, "resource": "memory", "unit": "byte"}, tl,
                        tl.gauge(f[f"_mem_{kind}"].to_numpy(float)), g)
            _emit_gauge(spool, fam, {**ksm, "node": node, "resource": "pods", "unit": "integer"}, tl,
                        pods_cap, g)
        ones = np.ones(tl.span(g).stop - tl.span(g).start)
        s = tl.span(g)
        vm_uuid = _text(info.get("vm_uuid"))
        spool.series("kube_node_info", {
            **ksm, "node": node, "provider_id": _text(info.get("provider_id"), f"vsphere://{vm_uuid}"),
            "system_uuid": vm_uuid, "internal_ip": ips.get(node, "10.0.0.1"),
            "kubelet_version": "v1.27.6+f67aeb3", "container_runtime_version": "cri-o://1.27.1-6.rhaos4.14",
            "kernel_version": "5.14.0-284.36.1.el9_2.x86_64",
            "os_image": "Red Hat Enterprise Linux CoreOS 414.92.202310210434-0 (Plow)"}, tl.t[s], ones)
        spool.series("kube_node_role", {**ksm, "node": node, "role": role}, tl.t[s], ones)
        node_labels = {f"label_node_role_kubernetes_io_{role}": "", "label_kubernetes_io_hostname": node}
        zone = _text(info.get("zone"))
        if zone:
            node_labels["label_topology_kubernetes_io_zone"] = zone
        spool.series("kube_node_labels", {**ksm, "node": node, **node_labels}, tl.t[s], ones)


def _write_namespaces(spool: _Spool, c: _Cluster) -> None:
    if not len(c.namespaces):
        return
    t = _grid(_unix(c.span.start), _unix(c.span.end), c.step)
    ones = np.ones(len(t))
    for ns, raw in zip(c.namespaces["namespace"].astype(str), c.namespaces.get(
            "labels", pd.Series([None] * len(c.namespaces))), strict=True):
        labels = {sanitize_label_name("kubernetes.io/metadata.name"): ns}
        for key, value in (json.loads(raw) if isinstance(raw, str) and raw else {}).items():
            labels[sanitize_label_name(key)] = _text(value)
        spool.series("kube_namespace_labels", {"cluster": c.cluster, **_KSM, "namespace": ns, **labels},
                     t, ones)


def _write_pvcs(spool: _Spool, c: _Cluster) -> None:
    f = c.frame("pvc_hourly")
    if f is None:
        return
    f = f.copy()
    f["_a"] = epoch_seconds(f["hour"])
    f["_b"] = f["_a"] + HOUR_S
    f = f.sort_values(["namespace", "pvc", "_a"], kind="stable").reset_index(drop=True)
    tl = _Timeline.build(f["_a"].to_numpy(), f["_b"].to_numpy(), _groups_by_key(f, ["namespace", "pvc"]),
                         c.step)
    cap = tl.gauge(_col(f, "capacity_byte_seconds") / HOUR_S)
    req = tl.gauge(_col(f, "request_byte_seconds") / HOUR_S)
    used = tl.gauge(_col(f, "usage_byte_seconds") / HOUR_S)
    ksm = {"cluster": c.cluster, **_KSM}
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        ns, pvc = str(f["namespace"].iat[r]), str(f["pvc"].iat[r])
        pv = _text(f["persistent_volume"].iat[r] if "persistent_volume" in f else None,
                   f"pvc-{_uid(c.cluster, ns, pvc, 0)}")
        sc = _text(f["storage_class"].iat[r] if "storage_class" in f else None, "thin-csi")
        claim = {"namespace": ns, "persistentvolumeclaim": pvc}
        s = tl.span(g)
        spool.series("kube_persistentvolumeclaim_info", {**ksm, **claim, "storageclass": sc, "volumename": pv},
                     tl.t[s], np.ones(s.stop - s.start))
        _emit_gauge(spool, "kube_persistentvolumeclaim_resource_requests_storage_bytes", {**ksm, **claim},
                    tl, req, g)
        _emit_gauge(spool, "kube_persistentvolume_capacity_bytes", {**ksm, "persistentvolume": pv}, tl, cap, g)
        kubelet = {"cluster": c.cluster, **_KUBELET_METRICS, **claim}
        _emit_gauge(spool, "kubelet_volume_stats_used_bytes", kubelet, tl, used, g)
        _emit_gauge(spool, "kubelet_volume_stats_capacity_bytes", kubelet, tl, cap, g)


def _write_slis(spool: _Spool, c: _Cluster) -> None:
    f = c.frame("sli_5m")
    if f is None:
        return
    f = f[f["sli"].astype(str) == "availability"].copy()
    if f.empty:
        return
    f["_a"] = epoch_seconds(f["bucket_start"])
    f["_b"] = f["_a"] + SLI_BUCKET_S
    f = f.sort_values(["namespace", "service", "_a"], kind="stable").reset_index(drop=True)
    tl = _Timeline.build(f["_a"].to_numpy(), f["_b"].to_numpy(),
                         _groups_by_key(f, ["namespace", "service"]), c.step)
    good = _col(f, "good_events")
    codes = {"2xx": tl.counter(good), "5xx": tl.counter(_col(f, "total_events") - good)}
    router = {"cluster": c.cluster, **_ROUTER, "pod": f"router-default-{_hex(c.cluster, length=10)}-"
              f"{_hex(c.cluster, 'r', length=5)}", "backend": "https"}
    for g in range(tl.groups):
        r = tl.group_first_row[g]
        route = {"route": str(f["service"].iat[r]), "exported_namespace": str(f["namespace"].iat[r])}
        for code, (values, closing) in codes.items():
            _emit_counter(spool, "haproxy_backend_http_responses", {**router, **route, "code": code}, tl,
                          values, closing, g)


# --------------------------------------------------------------------------- public API


def write_openmetrics(out: IO[str], dimensions: Mapping[str, pd.DataFrame], batches: Iterable[Batch], *,
                      step_seconds: int = 60, clusters: Iterable[str] | None = None) -> OpenMetricsStats:
    """Write the OpenMetrics text of ``batches`` (with the series of ``dimensions``) to ``out``.

    ``step_seconds`` must divide an hour. ``clusters`` limits the output to those cluster ids. Each
    cluster's batches must come together (one cluster after another, any tables and windows within
    it): a cluster is expanded as soon as its batches end, so memory holds one cluster's hourly rows
    and at most ``CHUNK_ROWS`` rows' samples. Returns counts and timing; the text ends with ``# EOF``.
    """
    if step_seconds <= 0 or HOUR_S % step_seconds:
        raise ValueError(f"step_seconds must be a positive divisor of 3600, got {step_seconds}")
    started = time.perf_counter()
    wanted = set(clusters) if clusters is not None else None
    stats = OpenMetricsStats()
    spool = _Spool(stats)
    done: set[str] = set()
    current: str | None = None
    frames: dict[str, list[pd.DataFrame]] = {}
    span: Window | None = None

    def flush() -> None:
        if current is None or span is None:
            return
        tables = {t: pd.concat(fs, ignore_index=True) for t, fs in frames.items()}
        _write_cluster(spool, _Cluster(
            cluster=current, tables=tables, nodes=_of_cluster(dimensions.get("node"), current),
            namespaces=_of_cluster(dimensions.get("namespace"), current), span=span, step=step_seconds))
        stats.clusters += 1
        done.add(current)

    try:
        for batch in batches:
            if batch.table not in OPENMETRICS_TABLES or (wanted is not None and batch.scope not in wanted):
                continue
            if batch.scope != current:
                flush()
                if batch.scope in done:
                    raise ValueError(f"batches of cluster {batch.scope!r} are not contiguous: pass each "
                                     "cluster's batches together (as the estate's collect does)")
                current, frames, span = batch.scope, {}, None
            frames.setdefault(batch.table, []).append(batch.frame)
            span = batch.window if span is None else Window(
                min(span.start, batch.window.start), max(span.end, batch.window.end))
        flush()
        spool.drain(out)
    finally:
        spool.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _of_cluster(frame: pd.DataFrame | None, cluster: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[frame["cluster_id"].astype(str) == cluster].reset_index(drop=True)


def write_estate_openmetrics(out: IO[str], estate: EstateLike, window: Window, *, step_seconds: int = 60,
                             clusters: Iterable[str] | None = None) -> OpenMetricsStats:
    """Write the estate's series for ``window`` (optionally only some clusters) to ``out``."""
    return write_openmetrics(out, estate.dimensions(), estate.collect(window, tables=list(OPENMETRICS_TABLES)),
                             step_seconds=step_seconds, clusters=clusters)
