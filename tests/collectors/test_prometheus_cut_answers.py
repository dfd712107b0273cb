"""The Prometheus collector's connections: an answer cut off mid-body (the connection dropped while
it was read) is retried like any other transient failure, so one broken connection does not fail a
whole cluster's collection; clusters reached through one URL each send their own credentials.

The real Prometheus holding the estate slice sits behind a small HTTP relay that truncates chosen
answers or records the headers (a real Prometheus cannot be made to drop a connection on demand).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import requests

from collectors.base import Batch, ScopeFailure
from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig
from tests.collectors.conftest import STEP_SECONDS, PrometheusEstate
from tests.collectors.http_stub import QuietHandler, serving

KEY = ["cluster_id", "namespace", "pod"]


@contextmanager
def cutting_relay(upstream: str, cut: set[int]) -> Iterator[tuple[int, list[int]]]:
    """Relays GET requests to ``upstream``; the answers to requests number ``cut`` (1-based) are sent
    with their full Content-Length but only half the body, then the connection is closed."""
    served: list[int] = []
    lock = threading.Lock()

    class Relay(QuietHandler):
        def do_GET(self) -> None:
            with lock:
                served.append(len(served) + 1)
                number = served[-1]
            relay(self, upstream, halve=number in cut)

    with serving(Relay) as port:
        yield port, served


def relay(handler: QuietHandler, upstream: str, *, halve: bool = False) -> None:
    """Answers ``handler``'s GET with ``upstream``'s answer to it, closing the connection after; with
    ``halve``, the full Content-Length is announced but only half the body is sent."""
    answer = requests.get(upstream + handler.path, timeout=60)
    body = answer.content
    handler.send_response(answer.status_code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2] if halve else body)


def pods(batches: list[Batch | ScopeFailure]) -> list[tuple[str, str, str]]:
    return sorted((c, n, p) for b in batches if isinstance(b, Batch) and b.table == "pod"
                  for c, n, p in zip(b.frame["cluster_id"], b.frame["namespace"], b.frame["pod"], strict=True))


def test_an_answer_cut_off_is_retried_and_the_cluster_collected(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    upstream = prometheus_estate.server.url
    assert urlsplit(upstream).scheme == "http"

    def collector(url: str) -> PrometheusCollector:
        clusters = [ClusterEndpoint(cluster_id=c, url=url, selector={"cluster": c}) for c in s.clusters]
        return PrometheusCollector(PrometheusSourceConfig(clusters=clusters, scrape_interval_seconds=STEP_SECONDS,
                                                          retries=2, backoff_seconds=0.01))

    direct = list(collector(upstream).collect(s.window))
    with cutting_relay(upstream, cut={1, 2, 5}) as (port, served):
        relayed = collector(f"http://127.0.0.1:{port}")
        out = list(relayed.collect(s.window))
    assert [b for b in out if isinstance(b, ScopeFailure)] == []
    assert relayed.stats.retries == 3 and len(served) == relayed.stats.queries
    assert pods(out) == pods(direct) and len(pods(out)) > 0
    for table in ("pod_usage_hourly", "node_hourly"):
        got = sum(len(b.frame) for b in out if isinstance(b, Batch) and b.table == table)
        want = sum(len(b.frame) for b in direct if isinstance(b, Batch) and b.table == table)
        assert got == want > 0, table


def test_clusters_behind_one_url_send_their_own_tokens(prometheus_estate: PrometheusEstate) -> None:
    """Two clusters reached through one URL (a gateway) with different tokens: each cluster's queries
    go through a client built with its own token (Prometheus ignores the header; the relay records it)."""
    s = prometheus_estate.slice
    seen: dict[str, set[str]] = {}
    lock = threading.Lock()

    class Relay(QuietHandler):
        def do_GET(self) -> None:
            cluster = next(c for c in s.clusters if c in unquote(self.path))
            with lock:
                seen.setdefault(cluster, set()).add(self.headers.get("Authorization", ""))
            relay(self, prometheus_estate.server.url)

    with serving(Relay) as port:
        url = f"http://127.0.0.1:{port}"
        clusters = [ClusterEndpoint(cluster_id=c, url=url, selector={"cluster": c}, bearer_token=f"token-{c}")
                    for c in s.clusters]
        out = list(PrometheusCollector(PrometheusSourceConfig(
            clusters=clusters, scrape_interval_seconds=STEP_SECONDS)).collect(s.window))
    assert [b for b in out if isinstance(b, ScopeFailure)] == []
    assert seen == {c: {f"Bearer token-{c}"} for c in s.clusters}
