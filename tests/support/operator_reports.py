"""The simulated estate written as Cost Management Metrics Operator CSV reports (for import tests),
and packaged as the operator uploads them: large reports split into parts, each part in its own
.tar.gz with the payload's ``manifest.json``."""

from __future__ import annotations

import csv
import json
import tarfile
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from collectors.prometheus.frames import sanitize
from tests.collectors.conftest import EstateSlice

_COMMON = ["report_period_start", "report_period_end", "interval_start", "interval_end"]


def go_time(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _times(hour: datetime, period: tuple[datetime, datetime]) -> list[str]:
    return [go_time(period[0]), go_time(period[1]), go_time(hour), go_time(hour + timedelta(seconds=3599))]


def _labels(mapping: dict[str, str]) -> str:
    return "|".join(f"{sanitize(k)}:{v}" for k, v in sorted(mapping.items()))


def write_reports(s: EstateSlice, cluster: str, out: Path) -> dict[str, Path]:
    """Pod, storage, node-labels and namespace-labels reports of ``cluster`` over the slice's window."""
    out.mkdir(parents=True, exist_ok=True)
    period = (s.window.start.replace(day=1, hour=0), s.window.end)
    pods = s.facts("pod_usage_hourly")
    pods = pods[pods["cluster_id"] == cluster]
    nodes = s.facts("node_hourly").set_index(["node", "hour"])
    paths = {kind: out / f"{cluster}-{kind}.csv" for kind in ("pod", "storage", "node_labels", "namespace_labels")}

    def pod_row(r: Any) -> list[str]:
        n = nodes.loc[(r.node, r.hour)]
        return [*_times(r.hour, period), r.node, r.namespace, r.pod, _f(r.cpu_usage_core_seconds),
                _f(r.cpu_request_core_seconds), _num(r.cpu_limit_core_seconds),
                _f(r.memory_usage_byte_seconds), _f(r.memory_request_byte_seconds),
                _num(r.memory_limit_byte_seconds), _f(n.cpu_capacity_core_seconds / n.node_seconds),
                _f(n.cpu_capacity_core_seconds), _f(n.memory_capacity_byte_seconds / n.node_seconds),
                _f(n.memory_capacity_byte_seconds), n.role, f"vsphere://{r.node}",
                _labels({"app": str(r.workload)})]

    _write_csv(paths["pod"], ["node", "namespace", "pod", "pod_usage_cpu_core_seconds", "pod_request_cpu_core_seconds",
                              "pod_limit_cpu_core_seconds", "pod_usage_memory_byte_seconds",
                              "pod_request_memory_byte_seconds", "pod_limit_memory_byte_seconds",
                              "node_capacity_cpu_cores", "node_capacity_cpu_core_seconds", "node_capacity_memory_bytes",
                              "node_capacity_memory_byte_seconds", "node_role", "resource_id", "pod_labels"],
               (pod_row(r) for r in pods.itertuples(index=False)))
    pvc = s.facts("pvc_hourly")
    pvc = pvc[pvc["cluster_id"] == cluster]
    _write_csv(paths["storage"], ["namespace", "pod", "persistentvolumeclaim", "persistentvolume", "storageclass",
                                  "persistentvolumeclaim_capacity_bytes", "persistentvolumeclaim_capacity_byte_seconds",
                                  "volume_request_storage_byte_seconds", "persistentvolumeclaim_usage_byte_seconds",
                                  "persistentvolume_labels", "persistentvolumeclaim_labels"],
               ([*_times(r.hour, period), r.namespace, "", r.pvc, r.persistent_volume, r.storage_class,
                 _f(r.capacity_byte_seconds / 3600), _f(r.capacity_byte_seconds), _f(r.request_byte_seconds),
                 _f(r.usage_byte_seconds), "", ""] for r in pvc.itertuples(index=False)))
    dim_nodes = s.dimension("node")
    dim_nodes = dim_nodes[dim_nodes["cluster_id"] == cluster]
    _write_csv(paths["node_labels"], ["node", "node_labels"],
               ([*_times(s.window.start, period), r.node,
                 _labels({f"node-role.kubernetes.io/{r.role}": "", "topology.kubernetes.io/zone": r.zone})]
                for r in dim_nodes.itertuples(index=False)))
    ns = s.dimension("namespace")
    ns = ns[ns["cluster_id"] == cluster]
    _write_csv(paths["namespace_labels"], ["namespace", "namespace_labels"],
               ([*_times(s.window.start, period), r.namespace, _labels(json.loads(r.labels))]
                for r in ns.itertuples(index=False)))
    return paths


def _write_csv(path: Path, columns: list[str], rows: Iterable[list[str]]) -> None:
    """A report file: the columns every report has, then ``columns``; one line per row."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*_COMMON, *columns])
        w.writerows(rows)


def _num(value: float) -> str:
    return "" if pd.isna(value) else _f(value)


def _f(value: float) -> str:
    return repr(float(value))


def split_report(path: Path, rows: int) -> list[Path]:
    """The operator's split of a large report: parts ``<stem>1.csv``, ``<stem>2.csv``... of at most
    ``rows`` data lines, each repeating the header; the original is removed. The operator cuts by an
    estimate of bytes, so a cut falls wherever it falls, inside an hour too; rows stand in for bytes."""
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        body = list(reader)
    if len(body) <= rows:
        return [path]
    parts = []
    for n, start in enumerate(range(0, len(body), rows), start=1):
        part = path.with_name(f"{path.stem}{n}.csv")
        with part.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(body[start:start + rows])
        parts.append(part)
    path.unlink()
    return parts


def _go_json_time(text: str) -> str:
    """A report's Go time string as the manifest's RFC 3339 (``2026-10-01T10:00:00Z``)."""
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")


def _interval_bounds(pod_report: Path) -> tuple[str, str]:
    with pod_report.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return (_go_json_time(rows[1][header.index("interval_start")]),
            _go_json_time(rows[-1][header.index("interval_end")]))


def write_packages(files: list[Path], cluster_id: str, out: Path, created: str, split: bool) -> list[Path]:
    """Package report files as the operator does: members ``<uuid>_openshift_usage_report.<i>.csv``
    and one ``manifest.json`` (uuid, cluster_id, files, start, end from the pod report...); when the
    payload was split, one ``<created>-cost-mgmt-<i>.tar.gz`` per file, each with the whole manifest,
    otherwise a single ``<created>-cost-mgmt.tar.gz``."""
    out.mkdir(parents=True, exist_ok=True)
    uid = str(uuid.uuid4())
    members = {i: f"{uid}_openshift_usage_report.{i}.csv" for i in range(len(files))}
    pods = [f for f in files if f.name.startswith(f"{cluster_id}-pod")]
    start, end = _interval_bounds(pods[0]) if pods else ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z")
    manifest = out / f"{created}-manifest.json"
    manifest.write_text(json.dumps({
        "uuid": uid, "cluster_id": cluster_id, "version": "a1b2c3d", "date": f"{created[:8]}T00:00:00Z",
        "files": list(members.values()), "resource_optimization_files": [], "start": start, "end": end,
        "cr_status": {"clusterID": cluster_id}, "certified": False, "daily_reports": True,
    }, indent=1))
    groups = [[i] for i in members] if split else [list(members)]
    packages = []
    for group in groups:
        name = f"{created}-cost-mgmt-{group[0]}.tar.gz" if split else f"{created}-cost-mgmt.tar.gz"
        with tarfile.open(out / name, "w:gz") as tar:
            for i in group:
                tar.add(files[i], arcname=members[i])
            tar.add(manifest, arcname="manifest.json")
        packages.append(out / name)
    manifest.unlink()
    return packages
