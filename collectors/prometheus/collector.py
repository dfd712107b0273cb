"""The Prometheus collector: OpenShift usage from each cluster's Prometheus (or one Thanos Querier)
into hourly facts, with node, namespace, workload and pod (labels) dimension rows.

Per cluster and chunk of hours it sends the fixed query set of ``queries`` (aggregated on the
server), with bounded concurrency over all clusters, then reduces the answers in ``frames``. A
cluster whose queries fail (after retries of transient errors) is yielded as a ScopeFailure; the
other clusters go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from collectors.base import Batch, ScopeFailure
from collectors.prometheus import frames as fr
from collectors.prometheus.client import PrometheusClient, QueryRunner, QueryStats, Result, connect
from collectors.prometheus.config import Endpoint, PrometheusSourceConfig
from collectors.prometheus.queries import GAUGE_RANGE_S, PER_POD, Query, all_queries, selector
from common.errors import InsightError, PermanentError
from common.windows import HOUR, Window

log = logging.getLogger(__name__)

ClientFactory = Callable[[Endpoint], PrometheusClient]


@dataclass(frozen=True)
class Target:
    """One cluster to collect: the server that holds it and the matchers that select its series."""

    cluster_id: str
    endpoint: Endpoint
    matchers: dict[str, str] = field(default_factory=dict)


class PrometheusCollector:
    source = fr.SOURCE

    def __init__(self, config: PrometheusSourceConfig, client_factory: ClientFactory | None = None,
                 label_keys: list[str] | None = None,
                 per_workload: Callable[[str], list[dict[str, str]]] | None = None) -> None:
        """``per_workload`` (cluster id -> one matcher set per workload) sends the per-pod queries once
        per workload instead of once per cluster: the pattern of per-workload rightsizing tools, kept
        as the benchmark's baseline (same answers, many more queries)."""
        self.config = config
        self._factory = client_factory or (lambda ep: connect(ep, config.query_timeout_seconds))
        self._runners: dict[tuple[str, str | None, str | None, bool], QueryRunner] = {}
        self.stats = QueryStats()
        self.label_keys = list(dict.fromkeys([*config.label_keys, *(label_keys or [])]))
        self.per_workload = per_workload

    # ------------------------------------------------------------------ servers

    def runner(self, endpoint: Endpoint) -> QueryRunner:
        """One client per server and credentials: clusters behind one URL (a gateway) with their own
        tokens or CAs each get a client that sends their own."""
        token = endpoint.bearer_token.get_secret_value() if endpoint.bearer_token is not None else None
        key = (endpoint.url, token, endpoint.ca_bundle, endpoint.verify_tls)
        if key not in self._runners:
            cfg = self.config
            self._runners[key] = QueryRunner(
                self._factory(endpoint), endpoint.url, timeout_seconds=cfg.query_timeout_seconds,
                retries=cfg.retries, backoff_seconds=cfg.backoff_seconds, stats=self.stats)
        return self._runners[key]

    def targets(self, window: Window) -> list[Target]:
        """Clusters with their own URL, then the Thanos clusters (listed, or discovered in the window)."""
        out = [Target(c.cluster_id, c, dict(c.selector)) for c in self.config.clusters]
        thanos = self.config.thanos
        if thanos is not None:
            ids = thanos.clusters or self._discover(thanos.cluster_label, thanos, window)
            taken = {t.cluster_id for t in out}
            out += [Target(cid, thanos, {thanos.cluster_label: cid}) for cid in ids if cid not in taken]
        return out

    def _discover(self, label: str, endpoint: Endpoint, window: Window) -> list[str]:
        seconds = int(window.duration.total_seconds())
        result = self.runner(endpoint).instant(
            f"count by ({label}) (max_over_time(kube_node_info[{seconds}s]))", window.end)
        found = sorted({s["metric"].get(label, "") for s in result} - {""})
        if not found:
            log.warning("no cluster found on %s by label %s in [%s, %s)", endpoint.url, label, window.start, window.end)
        return found

    # ------------------------------------------------------------------ collection

    def chunks(self, window: Window) -> list[Window]:
        hours = min(self.config.chunk_hours, self.config.max_points_per_series)
        return list(window.split(timedelta(hours=hours)))

    def collect(self, window: Window) -> Iterator[Batch | ScopeFailure]:
        if not window.whole_hours():
            raise PermanentError("the Prometheus collector collects whole UTC hours", window=window)
        targets = self.targets(window)
        queries = all_queries(self.config.peak_cpu)
        chunks = self.chunks(window)
        with ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="promql") as pool:
            def submit(target: Target) -> list[tuple[Query, Future[Result]]]:
                run = self.runner(target.endpoint)
                sel = selector(target.matchers)
                split = self.per_workload(target.cluster_id) if self.per_workload else None
                out = []
                for chunk in chunks:
                    for q in queries:
                        if split is not None and q.name in PER_POD:
                            out += [(q, pool.submit(_ask, run, q, selector({**target.matchers, **m}), chunk))
                                    for m in split]
                        else:
                            out.append((q, pool.submit(_ask, run, q, sel, chunk)))
                return out

            # One cluster ahead is in flight while the current one is reduced: bounded memory, busy pool.
            pending = submit(targets[0]) if targets else []
            for i, target in enumerate(targets):
                current, pending = pending, (submit(targets[i + 1]) if i + 1 < len(targets) else [])
                try:
                    answers = _gather(current)
                except InsightError as exc:
                    for _, fut in current:
                        fut.cancel()
                    yield ScopeFailure(self.source, target.cluster_id, window, exc)
                    continue
                try:
                    yield from self._batches(target.cluster_id, window, answers)
                except (KeyError, ValueError, TypeError) as exc:
                    yield ScopeFailure(self.source, target.cluster_id, window,
                                       PermanentError(f"unexpected answer: {type(exc).__name__}: {exc}"))

    def _batches(self, cluster: str, window: Window, got: Answers) -> Iterator[Batch]:
        answers = fr.attributable(got.frames, cluster)
        interval = self.config.scrape_interval_seconds
        containers, pod_seconds = fr.container_rows(answers, interval, cluster)
        owners = fr.workloads(answers)
        pods = fr.pod_rows(containers, pod_seconds, answers, owners, cluster)
        nodes, node_dim = fr.node_rows(answers, pods, interval, cluster)
        pvcs = fr.pvc_rows(answers, interval, cluster)
        yield Batch("node", self.source, cluster, window, node_dim)
        yield Batch("namespace", self.source, cluster, window,
                    fr.namespace_rows(got.namespace_labels, self.label_keys, cluster))
        yield Batch("workload", self.source, cluster, window, fr.workload_rows(pods, cluster))
        pods = _inside(pods, window)
        for frame in fr.pod_dimension(got.pod_labels, pods, owners, [*self.label_keys, *fr.POD_LABEL_KEYS],
                                      cluster):
            if len(frame):
                yield Batch("pod", self.source, cluster, window, frame)
        for table, frame in (("pod_usage_hourly", pods), ("container_usage_hourly", _inside(containers, window)),
                             ("node_hourly", _inside(nodes, window)), ("pvc_hourly", _inside(pvcs, window))):
            yield Batch(table, self.source, cluster, window, frame.reset_index(drop=True))


def _inside(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The rows of ``frame`` whose hour lies in ``window``."""
    return frame[(frame["hour"] >= window.start) & (frame["hour"] < window.end)] if len(frame) else frame


def _ask(run: QueryRunner, query: Query, sel: str, chunk: Window) -> Result:
    """One query over one chunk: a range query on the query's hour grid, or an instant one over the chunk."""
    if query.grid == "window":
        return run.instant(query.render(sel, int(chunk.duration.total_seconds())), chunk.end - timedelta(seconds=1))
    offset = timedelta(hours=1) if query.grid == "end" else timedelta(seconds=GAUGE_RANGE_S)
    last = chunk.end - HOUR + offset
    return run.range(query.render(sel), chunk.start + offset, last, 3600)


@dataclass(frozen=True)
class Answers:
    frames: dict[str, pd.DataFrame]
    namespace_labels: dict[str, dict[str, str]]
    pod_labels: dict[tuple[str, str], dict[str, str]]


def _gather(futures: list[tuple[Query, Future[Result]]]) -> Answers:
    """Answers of one cluster by query name (chunks concatenated), the label queries as label sets
    only; the first error is raised."""
    parts: dict[str, list[pd.DataFrame]] = {}
    labels: dict[str, dict[str, str]] = {}
    pod_labels: dict[tuple[str, str], dict[str, str]] = {}
    for query, fut in futures:
        result = fut.result()
        if query.name == "namespace_labels":
            for ns, lab in fr.namespace_label_sets(result).items():
                labels.setdefault(ns, {}).update(lab)
        elif query.name == "pod_labels":
            # Chunks in time order: a pod relabelled in place ends with its latest labels.
            for key, lab in fr.pod_label_sets(result).items():
                pod_labels.setdefault(key, {}).update(lab)
        else:
            parts.setdefault(query.name, []).append(fr.to_frame(query, result))
    return Answers({name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}, labels,
                   pod_labels)

