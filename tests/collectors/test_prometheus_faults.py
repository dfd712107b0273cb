"""Bad input and bad servers, each handled on purpose, against real Prometheus servers.

- ``edge``: a hand-written cluster (promtool backfill) with a NaN sample, a counter reset, a series
  without a namespace label, a pod only cAdvisor knows, a running pod cAdvisor never saw, and a
  pending pod with requests;
- ``outage``: two clusters of the simulated estate where one has a gap of an hour (its Prometheus
  was down), collected while the server is restarted in the middle of the collection;
- an unreachable server, a query the server refuses (4xx), and queries that time out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig, connect
from collectors.prometheus.config import Endpoint
from common.windows import Window
from ingest import collect_window
from testbed.formats.openmetrics import write_estate_openmetrics
from testbed.procs import free_port
from testbed.prometheus import PrometheusServer, create_blocks, start_prometheus
from tests.collectors.backfill import backfilled, hour_of_samples
from tests.collectors.conftest import STEP_SECONDS, EstateSlice
from tests.collectors.http_stub import QuietHandler, black_hole, serving
from warehouse import runs
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.schema import FACT_TABLES

EDGE_HOUR = datetime(2026, 9, 10, 6)
RATE = 0.5  # cores of the restarted container
WS = 100 * 2**20
REQ_CPU, REQ_MEM = 0.25, 256 * 2**20


def _om_edge() -> str:
    """One hour of one cluster, 60 s samples (61 with the closing one), with every oddity at once."""
    c = 'cluster="edge-01"'
    lines: list[str] = []
    family = hour_of_samples(EDGE_HOUR, lines)
    reset = [RATE * 60 * k if k < 30 else RATE * 60 * (k - 29) for k in range(61)]  # restart at minute 30
    api2 = [0.1 * 60 * k for k in range(61)]
    family("container_cpu_usage_seconds", "counter", [
        (f'{c},namespace="shop",pod="api-1",container="api",node="edge-node-1"', reset),
        (f'{c},namespace="shop",pod="api-2",container="api",node="edge-node-1"', api2),
        (f'{c},pod="ghost",container="x"', api2),  # no namespace label: cannot be attributed
    ])
    ws_nan = [float("nan") if k == 10 else WS for k in range(60)]
    family("container_memory_working_set_bytes", "gauge", [
        (f'{c},namespace="shop",pod="api-1",container="api",node="edge-node-1"', ws_nan),
        (f'{c},namespace="shop",pod="api-2",container="api",node="edge-node-1"', [WS] * 60),
    ])
    ksm = f'{c},job="kube-state-metrics"'
    family("kube_pod_container_resource_requests", "gauge", [
        (f'{ksm},namespace="shop",pod=\"{p}\",uid="u-{p}",container="{n}",node="edge-node-1",'
         f'resource="{r}",unit="{u}"', [v] * 60)
        for p, n in (("api-1", "api"), ("batch-1", "job"), ("pending-1", "job"))
        for r, u, v in (("cpu", "core", REQ_CPU), ("memory", "byte", REQ_MEM))])
    family("kube_pod_status_phase", "gauge", [
        (f'{ksm},namespace="shop",pod="{p}",uid="u-{p}",phase="{phase}"', [1.0 if phase == want else 0.0] * 60)
        for p, want in (("api-1", "Running"), ("batch-1", "Running"), ("pending-1", "Pending"))
        for phase in ("Pending", "Running")])
    family("kube_pod_info", "gauge", [
        (f'{ksm},namespace="shop",pod="{p}",uid="u-{p}",node="edge-node-1"', [1.0] * 60)
        for p in ("api-1", "batch-1")])
    family("kube_node_status_capacity", "gauge", [
        (f'{ksm},node="edge-node-1",resource="{r}",unit="{u}"', [v] * 60)
        for r, u, v in (("cpu", "core", 8.0), ("memory", "byte", 32 * 2**30))])
    family("kube_namespace_labels", "gauge", [(f'{ksm},namespace="shop",label_ecs_sector="CTI"', [1.0] * 60)])
    return "\n".join(lines) + "\n# EOF\n"


@dataclass
class Restartable:
    """A Prometheus that a test may stop and start again on the same port and data."""

    data: Path
    work: Path
    server: PrometheusServer

    def restart_in_background(self, delay: float) -> threading.Thread:
        self.server.stop()

        def start() -> None:
            threading.Event().wait(delay)
            self.server = start_prometheus(self.data, self.work, port=self.server.port)

        thread = threading.Thread(target=start, daemon=True)
        thread.start()
        return thread


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    with backfilled(tmp_path_factory.mktemp("prom-edge"), "edge", _om_edge()) as server:
        yield server


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory, estate_slice: EstateSlice) -> Iterator[tuple[Restartable, Window]]:
    """Five hours of two clusters; the first has no samples in the third hour."""
    root = tmp_path_factory.mktemp("prom-outage")
    start = estate_slice.estate.window.start + timedelta(hours=30)
    window = Window(start, start + timedelta(hours=5))
    a, b = estate_slice.clusters
    gap = Window(start + timedelta(hours=2), start + timedelta(hours=3))
    pieces = (("before", Window(start, gap.start), [a]), ("after", Window(gap.end, window.end), [a]),
              ("other", window, [b]))
    for name, piece, clusters in pieces:
        with (root / f"{name}.om").open("w") as fh:
            write_estate_openmetrics(fh, estate_slice.estate, piece, step_seconds=STEP_SECONDS, clusters=clusters)
        create_blocks(root / f"{name}.om", root / "data")
    server = Restartable(root / "data", root, start_prometheus(root / "data", root))
    try:
        yield server, window
    finally:
        server.server.stop()


def edge_frames(server: PrometheusServer) -> tuple[PrometheusCollector, dict[str, pd.DataFrame]]:
    cfg = PrometheusSourceConfig(clusters=[ClusterEndpoint(cluster_id="edge-01", url=server.url,
                                                           selector={"cluster": "edge-01"})],
                                 scrape_interval_seconds=60)
    collector = PrometheusCollector(cfg)
    batches = list(collector.collect(Window(EDGE_HOUR, EDGE_HOUR + timedelta(hours=1))))
    failures = [str(b.error) for b in batches if isinstance(b, ScopeFailure)]
    assert not failures, failures[0][:300]  # the reason first: the query text that follows is long
    return collector, {b.table: b.frame for b in batches if isinstance(b, Batch)}


def test_counter_reset_nan_and_missing_labels(edge_server: PrometheusServer) -> None:
    collector, frames = edge_frames(edge_server)
    pods = frames["pod_usage_hourly"].set_index("pod")
    # A container restart resets its counter: increase() still gives the hour's CPU.
    assert pods.loc["api-1", "cpu_usage_core_seconds"] == pytest.approx(RATE * 3600, rel=1e-9)
    # One NaN sample makes the hour's sum unknown: dropped and counted, memory left at 0, CPU kept.
    assert collector.stats.dropped_points >= 1
    assert pods.loc["api-1", "memory_usage_byte_seconds"] == 0.0
    # A series without a namespace label is not attributed to anyone.
    assert "ghost" not in pods.index and (frames["container_usage_hourly"]["namespace"] != "").all()
    assert frames["pod_usage_hourly"]["namespace"].eq("shop").all()


def test_a_pod_in_one_metric_and_not_in_another(edge_server: PrometheusServer) -> None:
    _, frames = edge_frames(edge_server)
    pods = frames["pod_usage_hourly"].set_index("pod")
    # cAdvisor only: its seconds from cAdvisor's samples; no requests, node or workload known.
    api2 = pods.loc["api-2"]
    assert api2["pod_seconds"] == 3600 and api2["cpu_usage_core_seconds"] == pytest.approx(360, rel=1e-9)
    assert api2["memory_usage_byte_seconds"] == pytest.approx(WS * 3600, rel=1e-9)
    assert api2["cpu_request_core_seconds"] == 0 and pd.isna(api2["workload"])
    assert api2["node"] == "edge-node-1"  # from cAdvisor's node label
    # Running but never seen by cAdvisor: kept for its requests, with zero usage.
    batch = pods.loc["batch-1"]
    assert batch["pod_seconds"] == 3600 and batch["cpu_usage_core_seconds"] == 0
    assert batch["cpu_request_core_seconds"] == pytest.approx(REQ_CPU * 3600)
    assert batch["memory_request_byte_seconds"] == pytest.approx(REQ_MEM * 3600)
    assert batch["node"] == "edge-node-1"
    # Requests of a pod that is not running are not usage of anyone's.
    assert "pending-1" not in pods.index
    assert set(frames["container_usage_hourly"]["pod"]) == {"api-1", "api-2", "batch-1"}
    # No role series: the node row has no role, the node dimension falls back to worker.
    assert frames["node_hourly"]["role"].isna().all() and (frames["node"]["role"] == "worker").all()
    assert frames["node_hourly"]["cpu_usage_core_seconds"].iloc[0] == pytest.approx(RATE * 3600 + 360)
    assert frames["namespace"]["labels"].iloc[0] == '{"ecs/sector": "CTI"}'


def _warehouse(tmp_path: Path) -> sa.Engine:
    engine = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    upgrade(engine)
    return engine


def test_unreachable_refused_and_timed_out_servers_fail_only_their_cluster(
        edge_server: PrometheusServer, tmp_path: Path) -> None:
    ok = ClusterEndpoint(cluster_id="edge-01", url=edge_server.url, selector={"cluster": "edge-01"})
    down = ClusterEndpoint(cluster_id="down-01", url=f"http://127.0.0.1:{free_port()}")
    refused = ClusterEndpoint(cluster_id="bad-01", url=edge_server.url, selector={"bad-label": "x"})
    cfg = PrometheusSourceConfig(clusters=[down, refused, ok], scrape_interval_seconds=60, retries=2,
                                 backoff_seconds=0.05, concurrency=2)
    collector = PrometheusCollector(cfg)
    engine = _warehouse(tmp_path)
    report = collect_window(engine, collector, Window(EDGE_HOUR, EDGE_HOUR + timedelta(hours=1)))
    failures = dict(f.split(": ", 1) for f in report.failures)
    assert set(failures) == {"down-01", "bad-01"}
    assert "cannot connect" in failures["down-01"] and "attempts=3" in failures["down-01"]
    assert "query refused (400)" in failures["bad-01"]
    stored = runs.recent_runs(engine).set_index("cluster_id")
    assert stored.loc["edge-01", "status"] == "succeeded" and stored.loc["edge-01", "rows"] > 0
    assert stored.loc["down-01", "status"] == stored.loc["bad-01", "status"] == "failed"
    # Timeouts and 5xx are transient: retried, then the cluster's run fails with the reason.
    with black_hole() as silent_port, status_server(503) as busy_port:
        clusters = [ClusterEndpoint(cluster_id="silent-01", url=f"http://127.0.0.1:{silent_port}"),
                    ClusterEndpoint(cluster_id="busy-01", url=f"http://127.0.0.1:{busy_port}"), ok]
        flaky = PrometheusCollector(PrometheusSourceConfig(clusters=clusters, scrape_interval_seconds=60, retries=1,
                                                           backoff_seconds=0.01, query_timeout_seconds=1.0))
        out = list(flaky.collect(Window(EDGE_HOUR, EDGE_HOUR + timedelta(hours=1))))
    failed = {f.scope: f.error for f in out if isinstance(f, ScopeFailure)}
    assert set(failed) == {"silent-01", "busy-01"} and all(e.transient for e in failed.values())
    assert "timed out" in str(failed["silent-01"]) and "server error 503" in str(failed["busy-01"])
    assert {b.scope for b in out if isinstance(b, Batch)} == {"edge-01"}
    assert flaky.stats.retries >= 2


@contextmanager
def status_server(status: int) -> Iterator[int]:
    """A loopback HTTP server answering every request with ``status``, as a proxy in front of an
    overloaded Thanos does (a real Prometheus cannot be made to return it on demand)."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"upstream unavailable")

    with serving(Handler) as port:
        yield port


def test_a_gap_and_a_server_restart_mid_collection(outage: tuple[Restartable, Window], estate_slice: EstateSlice,
                                                   tmp_path: Path) -> None:
    server, window = outage
    calls = {"n": 0}
    restarted: list[threading.Thread] = []

    def factory(endpoint: Endpoint) -> object:
        real = connect(endpoint, 30)

        class Hook:
            """Passes every call to the real client; the 20th call first stops the server."""

            def custom_query(self, *args: object, **kwargs: object) -> object:
                self._tick()
                return real.custom_query(*args, **kwargs)

            def custom_query_range(self, *args: object, **kwargs: object) -> object:
                self._tick()
                return real.custom_query_range(*args, **kwargs)

            def _tick(self) -> None:
                calls["n"] += 1
                if calls["n"] == 20:
                    restarted.append(server.restart_in_background(1.0))

        return Hook()

    cfg = PrometheusSourceConfig(thanos={"url": server.server.url, "clusters": list(estate_slice.clusters)},
                                 scrape_interval_seconds=STEP_SECONDS, retries=6, backoff_seconds=0.5, concurrency=2)
    collector = PrometheusCollector(cfg, client_factory=factory)
    engine = _warehouse(tmp_path)
    report = collect_window(engine, collector, window)
    restarted[0].join(timeout=60)
    assert report.failures == [] and collector.stats.retries >= 1
    a, b = estate_slice.clusters
    truth = pd.concat([x.frame for x in estate_slice.estate.collect(window, tables=["pod_usage_hourly"])
                       if x.scope in (a, b)])
    t = FACT_TABLES["pod_usage_hourly"]
    with engine.connect() as conn:
        got = pd.read_sql(sa.select(t.c.cluster_id, t.c.hour, sa.func.sum(t.c.cpu_usage_core_seconds).label("cpu"))
                          .group_by(t.c.cluster_id, t.c.hour), conn)
    got = got.set_index(["cluster_id", "hour"])["cpu"]
    want = truth.groupby(["cluster_id", "hour"])["cpu_usage_core_seconds"].sum()
    gap_hour = window.start + timedelta(hours=2)
    assert (a, gap_hour) not in got.index
    want = want.drop((a, gap_hour))
    assert set(got.index) == set(want.index)
    assert ((got.reindex(want.index) - want).abs() <= 1e-6 * want).all()
    days = runs.completeness(engine, "prometheus", window, list(FACT_TABLES.values())).groupby("scope").sum(
        numeric_only=True)
    assert days.loc[a, "hours_collected"] == 5 and days.loc[a, "hours_with_data"] == 4
    assert days.loc[b, "hours_with_data"] == 5


def test_a_bare_bad_request_is_retried_and_a_refused_query_is_not() -> None:
    """The two kinds of 400 as prometheus-api-client reports them (the JSON one is what the real server
    sends for a bad query, checked against it above; the bare one comes from the HTTP layer)."""
    from prometheus_api_client import PrometheusApiClientException

    from collectors.prometheus.client import classify

    bare = classify(PrometheusApiClientException("HTTP Status Code 400 (b'400 Bad Request')"), "up", "http://x")
    refused = classify(PrometheusApiClientException(
        'HTTP Status Code 400 (b\'{"status":"error","errorType":"bad_data","error":"parse error"}\')'), "up", "http://x")
    assert bare.transient and "HTTP layer" in str(bare)
    assert not refused.transient and "query refused (400)" in str(refused)


def test_a_query_that_failed_on_the_servers_state_is_retried_and_one_that_failed_on_its_data_is_not() -> None:
    """Error bodies as the real server sends them: the 422 "block is closing" is copied from a
    Prometheus answering while it shut down under the restart test above."""
    from prometheus_api_client import PrometheusApiClientException

    from collectors.prometheus.client import classify

    def body(status: int, kind: str, error: str) -> PrometheusApiClientException:
        return PrometheusApiClientException(
            f'HTTP Status Code {status} (b\'{{"status":"error","errorType":"{kind}","error":"{error}"}}\')')

    closing = classify(body(422, "execution", "open querier for block 01M8EE8HWA9ZFTZH15EFNMKNK8: "
                                              "open index reader: block is closing"), "up", "http://x")
    cancelled = classify(body(499, "canceled", "query was canceled in query execution"), "up", "http://x")
    many = classify(body(422, "execution", "found duplicate series for the match group"), "up", "http://x")
    too_big = classify(body(422, "execution", "query processing would load too many samples into memory"),
                       "up", "http://x")
    assert closing.transient and "failed on the server (422)" in str(closing)
    assert cancelled.transient
    assert not many.transient and "query refused (422)" in str(many)
    assert not too_big.transient
