"""TLS settings meet a real handshake: noida-db behind a TLS front with a private CA (openssl-made)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from collectors.base import Batch, ScopeFailure
from collectors.elasticsearch.collector import make_collector
from common.errors import PermanentError
from testbed.certificates import Certificates, make_certificates
from testbed.proxies import TlsProxy
from tests.collectors.conftest import ElasticsearchEstate
from tests.collectors.elasticsearch.conftest import source_config


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def proxy(certificates: Certificates, elasticsearch_estate: ElasticsearchEstate) -> Iterator[TlsProxy]:
    front = TlsProxy(certificates, elasticsearch_estate.server.port)
    try:
        yield front
    finally:
        front.stop()


def documents(out: list[Batch | ScopeFailure]) -> int:
    return int(sum(b.frame["documents"].sum() for b in out if isinstance(b, Batch) and b.table == "log_volume_hourly"))


def truth_documents(es: ElasticsearchEstate) -> int:
    rows: pd.DataFrame = es.slice.facts("log_volume_hourly")
    return int(rows["documents"].sum())


def test_the_ca_bundle_verifies_the_server(proxy: TlsProxy, certificates: Certificates,
                                           elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    config = source_config(es.slice.clusters, hosts=[proxy.url], ca_bundle=str(certificates.ca), api_key="aWQ6a2V5")
    out = list(make_collector(config).collect(es.slice.window))  # the client is built from the settings
    assert all(isinstance(b, Batch) for b in out)
    assert documents(out) == truth_documents(es)


def test_an_untrusted_certificate_fails_at_once_and_names_the_setting(proxy: TlsProxy,
                                                                     elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    config = source_config(es.slice.clusters[:1], hosts=[proxy.url], retries=3)
    collector = make_collector(config)
    out = list(collector.collect(es.slice.window))
    assert len(out) == 1 and isinstance(out[0], ScopeFailure)
    assert collector.searcher.requests == 1  # not retried: the same certificate fails the same way
    assert isinstance(out[0].error, PermanentError) and "TLS failed" in str(out[0].error)
    assert "ca_bundle" in str(out[0].error)


def test_verification_can_be_turned_off(proxy: TlsProxy, elasticsearch_estate: ElasticsearchEstate) -> None:
    es = elasticsearch_estate
    config = source_config(es.slice.clusters, hosts=[proxy.url], verify_certs=False)
    assert documents(list(make_collector(config).collect(es.slice.window))) == truth_documents(es)
