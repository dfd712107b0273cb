"""TLS and the bearer token: a real Prometheus serving HTTPS (its web config) with a certificate from a
private CA, reached with the CA bundle from the config; the token is sent as Authorization."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from collectors.base import Batch, ScopeFailure
from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig
from common.windows import Window
from testbed.certificates import make_certificates
from testbed.procs import free_port, start_process, stop_process, wait_until
from testbed.prometheus import create_blocks
from tests.collectors.http_stub import QuietHandler, serving
from tests.collectors.test_prometheus_faults import EDGE_HOUR, _om_edge

WINDOW = Window(EDGE_HOUR, EDGE_HOUR + timedelta(hours=1))


@pytest.fixture(scope="module")
def tls_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("prom-tls")
    certs = make_certificates(root / "tls")
    (root / "edge.om").write_text(_om_edge())
    create_blocks(root / "edge.om", root / "data")
    (root / "web.yml").write_text(f"tls_server_config:\n  cert_file: {certs.cert}\n  key_file: {certs.key}\n")
    (root / "prometheus.yml").write_text("global:\n  scrape_interval: 1m\n")
    port = free_port()
    log = root / "prometheus.log"
    proc = start_process(["prometheus", f"--config.file={root / 'prometheus.yml'}",
                          f"--storage.tsdb.path={root / 'data'}", f"--web.config.file={root / 'web.yml'}",
                          "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{port}"], str(log))
    url = f"https://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{url}/-/ready", timeout=2, verify=str(certs.ca)).status_code == 200, 30,
                   "prometheus (TLS)", proc, str(log))
        yield url, certs.ca
    finally:
        stop_process(proc)


def _collect(endpoint: ClusterEndpoint) -> list[Batch | ScopeFailure]:
    cfg = PrometheusSourceConfig(clusters=[endpoint], scrape_interval_seconds=60, retries=1, backoff_seconds=0.01)
    return list(PrometheusCollector(cfg).collect(WINDOW))


def test_https_with_the_configured_ca_bundle(tls_prometheus: tuple[str, Path]) -> None:
    url, cert = tls_prometheus
    out = _collect(ClusterEndpoint(cluster_id="edge-01", url=url, ca_bundle=str(cert), selector={"cluster": "edge-01"}))
    pods = next(b.frame for b in out if isinstance(b, Batch) and b.table == "pod_usage_hourly")
    assert set(pods["pod"]) == {"api-1", "api-2", "batch-1"}


def test_an_unknown_certificate_is_a_permanent_failure(tls_prometheus: tuple[str, Path]) -> None:
    url, _ = tls_prometheus
    out = _collect(ClusterEndpoint(cluster_id="edge-01", url=url))
    assert len(out) == 1 and isinstance(out[0], ScopeFailure)
    assert not out[0].error.transient and "CERTIFICATE_VERIFY_FAILED" in str(out[0].error)


def test_the_bearer_token_is_sent_and_never_shown() -> None:
    seen: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(403)
            self.end_headers()

    with serving(Handler) as port:  # stands in for OpenShift's oauth-proxy
        endpoint = ClusterEndpoint(cluster_id="c1", url=f"http://127.0.0.1:{port}",
                                   bearer_token=SecretStr("sa-secret-token"))
        out = _collect(endpoint)
    assert seen and set(seen) == {"Bearer sa-secret-token"}
    failure = out[0]
    assert isinstance(failure, ScopeFailure) and not failure.error.transient
    assert "access refused (403)" in str(failure.error) and "sa-secret-token" not in str(failure.error)
