"""Import of Cost Management Metrics Operator reports: history for shops that already run the operator.

All or nothing: every file is read and checked before anything is yielded, so a malformed file
stops the import with its file, line and column and nothing is loaded. A package's ``manifest.json``
must name the cluster given to the import.

Each kind of report replaces only its own facts, and only for the hours its files hold: the pod
usage files of one import are merged, and every contiguous span of their hours is one batch of pod
facts (and of the node facts derived from them); storage files likewise give pvc facts. A kind not
given yields nothing, so importing kinds or packages one at a time, in any order, gives the same
warehouse as importing them together. Importing the same reports again replaces, never doubles.
The operator splits a large payload by size into one package per part, so a part's first and last
hour may hold only some of that hour's rows: when a payload's other parts (its manifest's ``files``)
are not in the import, those hours are yielded as merged batches (``Batch.merge_on``).
Reports without a manifest cannot be checked against ``--cluster``: no report column names a cluster.

Mapping to the warehouse (units are the same: core-seconds and byte-seconds per hour):
- pod usage report -> pod_usage_hourly (the operator's memory usage is ``container_memory_usage_bytes``,
  page cache included, so it may read above a working set); the pod's seconds are not in the report
  and are taken as its node's seen seconds (``node_capacity_cpu_core_seconds / node_capacity_cpu_cores``),
  at most an hour; throttling and OOM kills are unknown (NULL);
- the same rows' node columns -> node_hourly (capacity; allocatable is not reported and is set to
  capacity) and node rows; the node's role from ``node_role`` or the node labels report;
- storage report -> pvc_hourly (a claim mounted by several pods appears once per pod: one row kept);
- namespace labels report -> namespace rows with the Kubernetes label keys restored;
- the pod report's optional ``pod_labels`` column -> pod rows (labels of the pod's latest interval,
  keys restored; first and last hour reported).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from collectors.base import Batch
from collectors.operator_reports.parse import (
    MANIFEST,
    Report,
    check_manifest,
    parse_labels,
    parse_report,
    read_sources,
)
from collectors.prometheus.frames import POD_LABEL_KEYS, restore_labels
from common.errors import DataError
from common.windows import Window

SOURCE = "operator"
HOUR_S = 3600.0
_ROLE_PREFIX = "label_node_role_kubernetes_io_"
_SANITISE = re.compile(r"[^A-Za-z0-9_]")


def _node_seconds(rows: pd.DataFrame) -> pd.Series:
    """The seconds a row's node was seen in its hour: capacity core-seconds over cores, at most an
    hour; a whole hour where that cannot be worked out (no cores reported)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        seen = rows["node_capacity_cpu_core_seconds"] / rows["node_capacity_cpu_cores"]
    return seen.where(np.isfinite(seen) & (seen > 0), HOUR_S).clip(upper=HOUR_S)


def hour_spans(hours: pd.Series) -> list[Window]:
    """The contiguous runs of whole hours in ``hours``: a gap of an hour or more starts a new span,
    so hours the files do not hold are never replaced."""
    if hours.empty:
        return []
    distinct = pd.to_datetime(pd.Series(hours.unique())).sort_values(ignore_index=True)
    breaks = distinct.diff() != pd.Timedelta(hours=1)
    spans = []
    for _, run in distinct.groupby(breaks.cumsum()):
        spans.append(Window(run.iloc[0].to_pydatetime(), run.iloc[-1].to_pydatetime() + timedelta(hours=1)))
    return spans


def _pieces(spans: list[Window], open_hours: set[pd.Timestamp]) -> list[tuple[Window, bool]]:
    """Each span cut around its open hours: (window, False) to replace, (one open hour, True) to merge."""
    out: list[tuple[Window, bool]] = []
    for span in spans:
        start = span.start
        for hour in sorted(h.to_pydatetime() for h in open_hours if span.start <= h < span.end):
            if start < hour:
                out.append((Window(start, hour), False))
            out.append((Window(hour, hour + timedelta(hours=1)), True))
            start = hour + timedelta(hours=1)
        if start < span.end:
            out.append((Window(start, span.end), False))
    return out


def _package_of(name: str) -> str:
    """The package a source belongs to: the .tar.gz of a member (``pkg.tar.gz:member``), else the
    directory of a file."""
    head, sep, _ = name.rpartition(":")
    return head if sep and head.endswith((".tar.gz", ".tgz")) else str(Path(name).parent)


def _parts_of_split_payloads(reports: list[Report], manifests: dict[str, dict]) -> set[str]:
    """Names of the reports whose payload (the manifest's uuid and ``files``) has parts missing here."""
    given: dict[str, set[str]] = {}
    for r in reports:
        manifest = manifests.get(_package_of(r.name))
        if manifest is not None:
            given.setdefault(str(manifest.get("uuid")), set()).add(Path(r.name.rpartition(":")[2]).name)
    parts = set()
    for r in reports:
        manifest = manifests.get(_package_of(r.name))
        if manifest is not None and not set(manifest.get("files") or []) <= given[str(manifest.get("uuid"))]:
            parts.add(r.name)
    return parts


def _within(frame: pd.DataFrame, span: Window) -> pd.DataFrame:
    hours = pd.to_datetime(frame["hour"])
    return frame[(hours >= pd.Timestamp(span.start)) & (hours < pd.Timestamp(span.end))].reset_index(drop=True)


class OperatorReportsImport:
    """Reports of one cluster: ``read`` checks them all, then ``collect`` yields their batches."""

    source = SOURCE

    def __init__(self, paths: Iterable[Path], cluster_id: str, label_keys: Iterable[str] = ()) -> None:
        self.paths = [Path(p) for p in paths]
        self.cluster_id = cluster_id
        self.label_keys = list(label_keys)
        self.reports: list[Report] = []
        self.parts: set[str] = set()

    def read(self) -> list[Report]:
        """Parse and check every report; the first problem raises DataError (file, line, column)."""
        reports: list[Report] = []
        manifests: dict[str, dict] = {}  # package (its .tar.gz or directory) -> its manifest
        for path in self.paths:
            for name, text in read_sources(path):
                if name.endswith(MANIFEST):
                    manifests[_package_of(name)] = check_manifest(name, text, self.cluster_id)
                else:
                    reports.append(parse_report(name, text))
        if not reports:
            raise DataError("no report files (*.csv or the operator's .tar.gz) found",
                            file=", ".join(map(str, self.paths)))
        self.reports = reports
        self.parts = _parts_of_split_payloads(reports, manifests)
        return reports

    def open_hours(self, kind: str) -> set[pd.Timestamp]:
        """The first and last hour of each ``kind`` file that is part of a split payload whose other
        parts are not in this import: the operator cuts by size, so these hours may be held in part."""
        hours: set[pd.Timestamp] = set()
        for r in self.reports:
            if r.kind == kind and r.name in self.parts and len(r.frame):
                held = pd.to_datetime(r.frame["interval_start"]).dt.floor("h")
                hours |= {held.min(), held.max()}
        return hours

    def _frames(self, kind: str) -> pd.DataFrame:
        frames = [r.frame for r in self.reports if r.kind == kind and len(r.frame)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def window(self) -> Window:
        """The hours the reports cover (their intervals floored to the hour)."""
        starts = [r.frame["interval_start"] for r in self.reports if len(r.frame)]
        if not starts:
            raise DataError("the reports hold no rows", file=", ".join(map(str, self.paths)))
        hours = pd.to_datetime(pd.concat(starts)).dt.floor("h")
        return Window(hours.min().to_pydatetime(), hours.max().to_pydatetime() + timedelta(hours=1))

    def collect(self, window: Window) -> Iterator[Batch]:
        if not self.reports:
            self.read()
        cluster = self.cluster_id
        pods = self._hourly(self._frames("pod"), window)
        storage = self._hourly(self._frames("storage"), window)
        node_labels = self._frames("node_labels")
        roles = self._roles(node_labels)
        nodes_facts = self._node_facts(pods)
        nodes = self._node_rows(nodes_facts, node_labels, roles)
        if len(nodes):
            yield Batch("node", SOURCE, cluster, window, nodes)
        ns = self._frames("namespace_labels")
        if len(ns):
            yield Batch("namespace", SOURCE, cluster, window, self._namespace_rows(ns))
        if len(pods):
            pod_rows = self._pod_rows(pods)
            node_rows = self._node_hourly(nodes_facts, roles, pods)
            for span, merge in _pieces(hour_spans(pod_rows["hour"]), self.open_hours("pod")):
                yield Batch("pod_usage_hourly", SOURCE, cluster, span, _within(pod_rows, span),
                            merge_on=("hour", "namespace", "pod") if merge else ())
                yield Batch("node_hourly", SOURCE, cluster, span, _within(node_rows, span),
                            merge_on=("hour", "node") if merge else ())
            if "pod_labels" in pods:
                yield Batch("pod", SOURCE, cluster, window, self._pod_dimension(pods))
        if len(storage):
            pvc_rows = self._pvc_rows(storage)
            for span, merge in _pieces(hour_spans(pvc_rows["hour"]), self.open_hours("storage")):
                yield Batch("pvc_hourly", SOURCE, cluster, span, _within(pvc_rows, span),
                            merge_on=("hour", "namespace", "pvc") if merge else ())

    @staticmethod
    def _hourly(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
        if frame.empty:
            return frame
        frame = frame.assign(hour=pd.to_datetime(frame["interval_start"]).dt.floor("h").astype("datetime64[us]"))
        return frame[(frame["hour"] >= window.start) & (frame["hour"] < window.end)]

    def _pod_rows(self, pods: pd.DataFrame) -> pd.DataFrame:
        cols = ["hour", "source", "cluster_id", "namespace", "pod", "node", "pod_seconds", "cpu_usage_core_seconds",
                "cpu_request_core_seconds", "cpu_limit_core_seconds", "memory_usage_byte_seconds",
                "memory_request_byte_seconds", "memory_limit_byte_seconds"]
        if pods.empty:
            return pd.DataFrame(columns=cols)
        pods = pods.assign(_seconds=_node_seconds(pods))
        g = pods.groupby(["hour", "namespace", "pod"], sort=False)
        sums = g[["pod_usage_cpu_core_seconds", "pod_request_cpu_core_seconds", "pod_usage_memory_byte_seconds",
                  "pod_request_memory_byte_seconds"]].sum()
        limits = g[["pod_limit_cpu_core_seconds", "pod_limit_memory_byte_seconds"]].sum(min_count=1)
        first = g[["node", "_seconds"]].agg({"node": "first", "_seconds": "max"})
        out = pd.concat([sums, limits, first], axis=1).reset_index()
        return pd.DataFrame({
            "hour": out["hour"], "source": SOURCE, "cluster_id": self.cluster_id, "namespace": out["namespace"],
            "pod": out["pod"], "node": out["node"].replace("", None), "pod_seconds": out["_seconds"],
            "cpu_usage_core_seconds": out["pod_usage_cpu_core_seconds"],
            "cpu_request_core_seconds": out["pod_request_cpu_core_seconds"],
            "cpu_limit_core_seconds": out["pod_limit_cpu_core_seconds"],
            "memory_usage_byte_seconds": out["pod_usage_memory_byte_seconds"],
            "memory_request_byte_seconds": out["pod_request_memory_byte_seconds"],
            "memory_limit_byte_seconds": out["pod_limit_memory_byte_seconds"],
        })

    @staticmethod
    def _node_facts(pods: pd.DataFrame) -> pd.DataFrame:
        cols = ["hour", "node", "node_capacity_cpu_cores", "node_capacity_cpu_core_seconds",
                "node_capacity_memory_bytes", "node_capacity_memory_byte_seconds"]
        if pods.empty:
            return pd.DataFrame(columns=[*cols, "node_role"])
        keep = cols + (["node_role"] if "node_role" in pods else [])
        f = pods[pods["node"] != ""][keep].groupby(["hour", "node"], sort=False).max().reset_index()
        return f if "node_role" in f else f.assign(node_role="")

    @staticmethod
    def _roles(node_labels: pd.DataFrame) -> dict[str, str]:
        roles: dict[str, str] = {}
        for node, raw in zip(node_labels.get("node", []), node_labels.get("node_labels", []), strict=True):
            # Operator versions write the label key sanitised (label_node_role_kubernetes_io_master) or as
            # it is (label_node-role.kubernetes.io/master); both name the same role.
            keys = [_SANITISE.sub("_", k) for k in parse_labels(raw)]
            found = [k.removeprefix(_ROLE_PREFIX) for k in keys if k.startswith(_ROLE_PREFIX)]
            for role in ("master", "control_plane", "infra", "worker"):
                if role in found:
                    roles[node] = "master" if role == "control_plane" else role
                    break
        return roles

    def _node_hourly(self, facts: pd.DataFrame, roles: dict[str, str], pods: pd.DataFrame) -> pd.DataFrame:
        if facts.empty:
            return pd.DataFrame(columns=["hour", "source", "cluster_id", "node", "node_seconds",
                                         "cpu_capacity_core_seconds", "cpu_allocatable_core_seconds",
                                         "memory_capacity_byte_seconds", "memory_allocatable_byte_seconds"])
        usage = pods.groupby(["hour", "node"])[["pod_usage_cpu_core_seconds", "pod_usage_memory_byte_seconds"]].sum()
        f = facts.merge(usage.reset_index(), on=["hour", "node"], how="left")
        secs = _node_seconds(f)
        role = f["node_role"].replace("", None).fillna(f["node"].map(roles))
        return pd.DataFrame({
            "hour": f["hour"], "source": SOURCE, "cluster_id": self.cluster_id, "node": f["node"], "role": role,
            "node_seconds": secs,
            "cpu_capacity_core_seconds": f["node_capacity_cpu_core_seconds"],
            "cpu_allocatable_core_seconds": f["node_capacity_cpu_core_seconds"],
            "memory_capacity_byte_seconds": f["node_capacity_memory_byte_seconds"],
            "memory_allocatable_byte_seconds": f["node_capacity_memory_byte_seconds"],
            "cpu_usage_core_seconds": f["pod_usage_cpu_core_seconds"].fillna(0.0),
            "memory_usage_byte_seconds": f["pod_usage_memory_byte_seconds"].fillna(0.0),
        })

    def _node_rows(self, facts: pd.DataFrame, node_labels: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
        """Node rows with only the columns the given reports know: capacity from pod usage, zone from
        node labels; an import of one kind must not clear what another kind stored."""
        latest = facts.sort_values("hour").drop_duplicates("node", keep="last").set_index("node") if len(facts) \
            else pd.DataFrame()
        zones: dict[str, str] = {}
        for node, raw in zip(node_labels.get("node", []), node_labels.get("node_labels", []), strict=True):
            zone = parse_labels(raw).get("label_topology_kubernetes_io_zone")
            if zone:
                zones[node] = zone
        names = sorted(set(latest.index) | set(node_labels.get("node", [])))
        def pick(col: str, n: str) -> float | None:
            return float(latest.at[n, col]) if n in latest.index else None
        out = pd.DataFrame({
            "cluster_id": self.cluster_id, "node": names,
            "role": [(latest.at[n, "node_role"] if n in latest.index and latest.at[n, "node_role"] else None)
                     or roles.get(n, "worker") for n in names],
        })
        if len(node_labels):
            out["zone"] = [zones.get(n) for n in names]
        if len(latest):
            out["cpu_cores"] = [pick("node_capacity_cpu_cores", n) for n in names]
            out["memory_bytes"] = pd.array([None if pick("node_capacity_memory_bytes", n) is None
                                            else round(pick("node_capacity_memory_bytes", n)) for n in names],
                                           dtype="Int64")
        return out

    def _namespace_rows(self, ns: pd.DataFrame) -> pd.DataFrame:
        latest = ns.assign(_t=pd.to_datetime(ns["interval_start"])).sort_values("_t").drop_duplicates(
            "namespace", keep="last")
        return pd.DataFrame({
            "cluster_id": self.cluster_id, "namespace": latest["namespace"].to_numpy(),
            "labels": [json.dumps(restore_labels(parse_labels(raw), self.label_keys), sort_keys=True)
                       for raw in latest["namespace_labels"]],
            "is_platform": False,
        })

    def _pod_dimension(self, pods: pd.DataFrame) -> pd.DataFrame:
        """Pod rows: labels of each pod's latest interval (keys restored), first and last hour reported.
        The report names no owner, so the workload columns are left to other sources."""
        f = pods.assign(_t=pd.to_datetime(pods["interval_start"])).sort_values("_t", kind="stable")
        g = f.groupby(["namespace", "pod"], sort=True)
        latest = g["pod_labels"].last()
        keys = [*self.label_keys, *POD_LABEL_KEYS]
        return pd.DataFrame({
            "cluster_id": self.cluster_id,
            "namespace": latest.index.get_level_values("namespace"),
            "pod": latest.index.get_level_values("pod"),
            "labels": [json.dumps(restore_labels(parse_labels(raw), keys), sort_keys=True) for raw in latest],
            "first_seen": g["hour"].min().to_numpy(),
            "last_seen": g["hour"].max().to_numpy(),
        })

    def _pvc_rows(self, storage: pd.DataFrame) -> pd.DataFrame:
        cols = ["hour", "source", "cluster_id", "namespace", "pvc", "persistent_volume", "storage_class",
                "capacity_byte_seconds", "request_byte_seconds", "usage_byte_seconds"]
        if storage.empty:
            return pd.DataFrame(columns=cols)
        f = storage.drop_duplicates(["hour", "namespace", "persistentvolumeclaim"], keep="first")
        return pd.DataFrame({
            "hour": f["hour"], "source": SOURCE, "cluster_id": self.cluster_id, "namespace": f["namespace"],
            "pvc": f["persistentvolumeclaim"], "persistent_volume": f["persistentvolume"].replace("", None),
            "storage_class": f["storageclass"].replace("", None),
            "capacity_byte_seconds": f["persistentvolumeclaim_capacity_byte_seconds"],
            "request_byte_seconds": f["volume_request_storage_byte_seconds"],
            "usage_byte_seconds": f["persistentvolumeclaim_usage_byte_seconds"],
        })
