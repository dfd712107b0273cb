"""The estate's logs as Elasticsearch bulk NDJSON, in the OpenShift logging (ViaQ) data model.

For each ``log_volume_hourly`` row (cluster, namespace, hour) the writer emits exactly ``documents``
documents: ``error_documents`` at level ``error``, ``warning_documents`` at ``warning`` (clipped so
the two never exceed ``documents``), the rest ``info``, in a deterministic shuffled order. Document
``i`` of ``n`` is stamped at ``hour + (2i + 1) / 2n`` hours (millisecond precision), so every
document lies strictly inside its hour.

Sizes: ``bytes`` is taken as the UTF-8 size of the ``message`` fields. Messages are ASCII; the row's
bytes are split evenly (the first ``bytes mod documents`` messages one byte longer), each message a
level-specific line padded or cut to its length, so the messages of a row sum to ``bytes`` exactly
whenever ``bytes >= documents``. Otherwise (or when ``bytes`` is missing) every message gets
``max(1, bytes // documents)`` or :data:`DEFAULT_MESSAGE_BYTES` bytes and the row is counted in
``NdjsonStats.inexact_rows``. Each document also carries its message size as the numeric field
``message_size`` (what a size field set by an ingest pipeline looks like), so a sum aggregation
gives the row's bytes.

Pod, container and host names come from the ``pod_usage_hourly`` rows of the same cluster,
namespace and hour when those batches are given (documents are dealt round-robin over the pods).
A namespace with logs but no pod rows (node-level components such as kube-system) gets static-pod
style names ``<namespace>-<node>`` on the cluster's control-plane nodes from ``node_hourly`` (any
node when there is no master), or ``<namespace>-0`` when no node is known.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Literal, Protocol

import numpy as np
import pandas as pd

from common.windows import Window
from testbed.formats.batches import FactBatch

DEFAULT_INDEX_PATTERN = "{prefix}-{cluster}-{date:%Y.%m.%d}"
DEFAULT_MESSAGE_BYTES = 160
NDJSON_TABLES: tuple[str, ...] = ("log_volume_hourly", "pod_usage_hourly", "node_hourly")
INFRA_NAMESPACES = ("default", "openshift", "kube")
INFRA_PREFIXES = ("openshift-", "kube-")
Action = Literal["create", "index"]

_FILLER = " lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt" * 8
_TEMPLATES = {
    "info": "{ts} INFO  [{container}] GET /api/v1/items/{i} 200 {ms}ms",
    "warning": "{ts} WARN  [{container}] slow response from upstream after {ms}ms, retry {i}",
    "error": "{ts} ERROR [{container}] request {i} failed: upstream connect error or disconnect/reset",
}


class EstateLike(Protocol):
    def collect(self, window: Window, tables: Sequence[str] | None = None) -> Iterator[FactBatch]: ...


@dataclass
class NdjsonStats:
    rows: int = 0
    documents: int = 0
    message_bytes: int = 0
    inexact_rows: int = 0
    seconds: float = 0.0
    documents_by_index: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LogDocument:
    index: str
    id: str
    source: dict[str, Any]


def log_type(namespace: str) -> str:
    """``infrastructure`` for OpenShift's and Kubernetes' own namespaces, else ``application``."""
    infra = namespace in INFRA_NAMESPACES or namespace.startswith(INFRA_PREFIXES)
    return "infrastructure" if infra else "application"


def index_name(pattern: str, cluster: str, kind: str, hour: datetime) -> str:
    """The index of a document: ``pattern`` with ``prefix`` (app/infra), ``log_type``, ``cluster``, ``date``."""
    prefix = "infra" if kind == "infrastructure" else "app"
    return pattern.format(prefix=prefix, log_type=kind, cluster=cluster, date=hour)


def index_template(patterns: Sequence[str] = ("app-*", "infra-*")) -> dict[str, Any]:
    """An index template with the field types OpenShift logging uses (keywords for names and level),
    plus the parsed access-log fields (``structured.*``) of :mod:`testbed.formats.access_logs`."""
    keyword = {"type": "keyword"}
    return {
        "index_patterns": list(patterns),
        "template": {"mappings": {"properties": {
            "@timestamp": {"type": "date"},
            "message": {"type": "text"},
            "message_size": {"type": "long"},
            "level": keyword,
            "hostname": keyword,
            "log_type": keyword,
            "kubernetes": {"properties": {
                "namespace_name": keyword, "pod_name": keyword, "container_name": keyword, "host": keyword,
                "pod_id": keyword, "labels": {"properties": {"app": keyword}}}},
            "structured": {"properties": {"method": keyword, "path": keyword, "status": {"type": "integer"},
                                          "duration_ms": {"type": "double"}}},
            "openshift": {"properties": {"cluster_id": keyword, "sequence": {"type": "long"}}},
        }}},
    }


def _message_lengths(documents: int, size: float | None) -> tuple[list[int], bool]:
    if size is None or not np.isfinite(size):
        return [DEFAULT_MESSAGE_BYTES] * documents, False
    total = int(size)
    if total < documents:
        return [max(1, total // max(documents, 1))] * documents, False
    base, extra = divmod(total, documents)
    return [base + 1] * extra + [base] * (documents - extra), True


def _message(level: str, length: int, ts: str, container: str, i: int) -> str:
    text = _TEMPLATES[level].format(ts=ts, container=container, i=i, ms=37 + (i * 7919) % 4000)
    if len(text) < length:
        text += _FILLER * (1 + (length - len(text)) // len(_FILLER))
    return text[:length]


def _levels(documents: int, errors: int, warnings: int, seed: int) -> np.ndarray:
    errors = min(max(errors, 0), documents)
    warnings = min(max(warnings, 0), documents - errors)
    levels = np.array(["error"] * errors + ["warning"] * warnings + ["info"] * (documents - errors - warnings))
    np.random.default_rng(seed).shuffle(levels)
    return levels


def stamp_ms(hour_prefix: str, ms: int) -> str:
    """``hour_prefix`` (``YYYY-MM-DDTHH:``) plus ``ms`` milliseconds into the hour, ISO 8601 in UTC."""
    minute, rest = divmod(ms, 60_000)
    return f"{hour_prefix}{minute:02d}:{rest // 1000:02d}.{rest % 1000:03d}Z"


def _count(value: object) -> int:
    return 0 if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else int(value)


def _row_documents(cluster: str, ns: str, hour: datetime, row: Mapping[str, Any],
                   pods: Sequence[tuple[str, str, str]], pattern: str, stats: NdjsonStats) -> Iterator[LogDocument]:
    n = _count(row["documents"])
    if n <= 0:
        return
    size = row.get("bytes")
    lengths, exact = _message_lengths(n, None if size is None or size is pd.NA else float(size))
    kind = log_type(ns)
    index = index_name(pattern, cluster, kind, hour)
    hour_key = int((hour - datetime(1970, 1, 1)).total_seconds())
    levels = _levels(n, _count(row.get("error_documents")), _count(row.get("warning_documents")),
                     zlib.crc32(f"{cluster}/{ns}/{hour_key}".encode()))
    stamp = hour.strftime("%Y-%m-%dT%H:")
    stats.rows += 1
    stats.inexact_rows += not exact
    stats.documents += n
    stats.message_bytes += sum(lengths)
    stats.documents_by_index[index] = stats.documents_by_index.get(index, 0) + n
    for i in range(n):
        ts = stamp_ms(stamp, ((2 * i + 1) * 3_600_000) // (2 * n))
        pod, container, host = pods[i % len(pods)]
        level = str(levels[i])
        yield LogDocument(index, f"{cluster}.{ns}.{hour_key}.{i}", {
            "@timestamp": ts,
            "message": _message(level, lengths[i], ts, container, i),
            "message_size": lengths[i],
            "level": level,
            "hostname": host,
            "log_type": kind,
            "kubernetes": {"namespace_name": ns, "pod_name": pod, "container_name": container, "host": host},
            "openshift": {"cluster_id": cluster, "sequence": i},
        })


def _node_hosts(nodes: pd.DataFrame | None) -> list[str]:
    if nodes is None or nodes.empty:
        return []
    masters = nodes[nodes["role"] == "master"] if "role" in nodes else nodes
    return sorted(set((masters if len(masters) else nodes)["node"].astype(str)))


def _pods_by_hour(pods: pd.DataFrame | None) -> dict[tuple[str, datetime], list[tuple[str, str, str]]]:
    if pods is None or pods.empty:
        return {}
    out: dict[tuple[str, datetime], list[tuple[str, str, str]]] = {}
    workloads = pods["workload"] if "workload" in pods else pd.Series([None] * len(pods))
    for ns, hour, pod, node, wl in zip(pods["namespace"], pd.to_datetime(pods["hour"]), pods["pod"],
                                       pods.get("node", pd.Series([None] * len(pods))), workloads, strict=True):
        container = str(wl) if isinstance(wl, str) and wl else str(pod).rsplit("-", 1)[0]
        out.setdefault((str(ns), hour.to_pydatetime()), []).append((str(pod), container, str(node)))
    return out


def iter_documents(batches: Iterable[FactBatch], *, index_pattern: str = DEFAULT_INDEX_PATTERN,
                   clusters: Iterable[str] | None = None, stats: NdjsonStats | None = None) -> Iterator[LogDocument]:
    """Documents of the ``log_volume_hourly`` batches, rows in (namespace, hour) order per cluster.

    A cluster's documents are produced when its run of batches ends, so memory holds one cluster's
    rows; pod names come from ``pod_usage_hourly`` batches in the same run.
    """
    stats = stats if stats is not None else NdjsonStats()
    wanted = set(clusters) if clusters is not None else None
    current: str | None = None
    frames: dict[str, list[pd.DataFrame]] = {}
    for b in batches:
        if b.table not in NDJSON_TABLES or (wanted is not None and b.scope not in wanted):
            continue
        if b.scope != current:
            if current is not None:
                yield from _cluster_documents(current, frames, index_pattern, stats)
            current, frames = b.scope, {}
        frames.setdefault(b.table, []).append(b.frame)
    if current is not None:
        yield from _cluster_documents(current, frames, index_pattern, stats)


def _cluster_documents(cluster: str, frames: Mapping[str, list[pd.DataFrame]], pattern: str,
                       stats: NdjsonStats) -> Iterator[LogDocument]:
    tables = {t: pd.concat(fs, ignore_index=True) for t, fs in frames.items()}
    logs = tables.get("log_volume_hourly")
    if logs is None or logs.empty:
        return
    pods = _pods_by_hour(tables.get("pod_usage_hourly"))
    hosts = _node_hosts(tables.get("node_hourly"))
    logs = logs.assign(hour=pd.to_datetime(logs["hour"])).sort_values(["namespace", "hour"], kind="stable")
    for row in logs.to_dict("records"):
        hour = row["hour"].to_pydatetime().replace(tzinfo=None)
        ns = str(row["namespace"])
        named = sorted(pods.get((ns, hour), [])) or [(f"{ns}-{h}", ns, h) for h in hosts] or [(f"{ns}-0", ns, "")]
        yield from _row_documents(cluster, ns, hour, row, named, pattern, stats)


def bulk_actions(documents: Iterable[LogDocument], action: Action = "create") -> Iterator[dict[str, Any]]:
    """Documents as actions for ``elasticsearch.helpers.bulk``."""
    for d in documents:
        yield {"_op_type": action, "_index": d.index, "_id": d.id, "_source": d.source}


def write_ndjson(out: IO[str], batches: Iterable[FactBatch], *, index_pattern: str = DEFAULT_INDEX_PATTERN,
                 action: Action = "create", clusters: Iterable[str] | None = None) -> NdjsonStats:
    """Write bulk NDJSON (an action line, then the document) for every log document of ``batches``."""
    if action not in ("create", "index"):
        raise ValueError(f"action must be 'create' or 'index', got {action!r}")
    started = time.perf_counter()
    stats = NdjsonStats()
    write_bulk(out, iter_documents(batches, index_pattern=index_pattern, clusters=clusters, stats=stats), action)
    stats.seconds = time.perf_counter() - started
    return stats


def write_bulk(out: IO[str], documents: Iterable[LogDocument], action: Action = "create") -> None:
    """Bulk NDJSON: per document an action line naming its index and id, then the document."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for d in documents:
        out.write(f'{{"{action}":{{"_index":{dumps(d.index)},"_id":{dumps(d.id)}}}}}\n{dumps(d.source)}\n')


def write_estate_ndjson(out: IO[str], estate: EstateLike, window: Window, *,
                        index_pattern: str = DEFAULT_INDEX_PATTERN, action: Action = "create",
                        clusters: Iterable[str] | None = None) -> NdjsonStats:
    """Write the estate's log documents for ``window`` (optionally only some clusters)."""
    return write_ndjson(out, estate.collect(window, tables=list(NDJSON_TABLES)), index_pattern=index_pattern,
                        action=action, clusters=clusters)
