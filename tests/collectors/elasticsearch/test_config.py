"""Settings of the Elasticsearch source: presets, auth and TLS checks, SLI definitions, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from collectors.elasticsearch.client import build_client
from collectors.elasticsearch.config import ECS, OPENSHIFT, ElasticsearchSourceConfig, FieldMapping, SliQuery
from collectors.elasticsearch.sli import good_filter, sli_body
from common.errors import ConfigError
from common.windows import Window
from tests.support.frames import T0


def config(**values: Any) -> ElasticsearchSourceConfig:
    return ElasticsearchSourceConfig.model_validate({"hosts": ["https://elk.example:9200"],
                                                     "clusters": ["ocp-1"], **values})


def test_presets_and_overrides() -> None:
    assert FieldMapping().resolved() == OPENSHIFT
    ecs = FieldMapping(preset="ecs", bytes="_size", error_levels=["ERROR"]).resolved()
    assert ecs.namespace == "kubernetes.namespace" and ecs.level == "log.level" and ecs.latency_unit == "ns"
    assert ecs.bytes == "_size" and ecs.error_levels == ("ERROR",) and ecs.warning_levels == ECS.warning_levels
    with pytest.raises(ValidationError, match="both error_levels and warning_levels"):
        FieldMapping(error_levels=["warn"])


def test_openshift_preset_counts_every_syslog_severity_in_both_spellings() -> None:
    """Vector writes the full words (emergency, critical, error, warning), fluentd the syslog.h names."""
    assert {"emergency", "emerg", "alert", "critical", "crit", "error", "err"} <= set(OPENSHIFT.error_levels)
    assert {"warning", "warn"} == set(OPENSHIFT.warning_levels)
    assert not {"notice", "info", "debug", "trace", "unknown"} & {*OPENSHIFT.error_levels, *OPENSHIFT.warning_levels}


def test_cluster_ids_or_objects_and_index_patterns() -> None:
    c = config(clusters=["ocp-1", {"cluster_id": "ocp-2", "index_pattern": "logs-*"}])
    one, two = c.clusters
    assert c.indices(one) == "app-ocp-1-*,infra-ocp-1-*" and not c.filters_on_cluster_field(one)
    assert c.indices(two) == "logs-*" and c.filters_on_cluster_field(two)
    assert c.sli_indices(one) == "app-ocp-1-*"
    with pytest.raises(ValidationError, match="cluster ids must be unique"):
        config(clusters=["a", "a"])
    with pytest.raises(ValidationError, match=r"\[0\] 'elk.example:9200' is not an http:// or https:// URL"):
        config(hosts=["elk.example:9200"])


def test_auth_must_be_one_kind_and_complete() -> None:
    with pytest.raises(ValidationError, match="api_key or username and password, not both"):
        config(api_key="k", username="u", password="p")
    with pytest.raises(ValidationError, match="needs both username and password"):
        config(username="u")
    assert "secret" not in repr(config(api_key="secret"))


def test_client_carries_auth_and_refuses_a_missing_ca_bundle(tmp_path: Path) -> None:
    api = build_client(config(api_key="aWQ6a2V5"))
    assert api._headers["authorization"] == "ApiKey aWQ6a2V5"
    basic = build_client(config(username="reader", password="pw"))
    assert basic._headers["authorization"].startswith("Basic ")
    with pytest.raises(ConfigError, match="not a readable file") as err:
        build_client(config(ca_bundle=str(tmp_path / "missing.pem")))
    assert "sources.elasticsearch.ca_bundle" in str(err.value)
    pem = tmp_path / "ca.pem"
    pem.write_text("not checked until a connection is made\n")
    with pytest.raises(ConfigError, match="no host uses https"):
        build_client(config(hosts=["http://elk:9200"], ca_bundle=str(pem)))


def test_sli_definitions() -> None:
    with pytest.raises(ValidationError, match="exactly one of good_status_below"):
        SliQuery(namespace="shop", service="api")
    with pytest.raises(ValidationError, match=r"found good_status_below, latency_threshold_ms"):
        SliQuery(namespace="shop", service="api", good_status_below=500, latency_threshold_ms=200)
    with pytest.raises(ValidationError, match="not configured"):
        config(slis=[{"namespace": "shop", "service": "api", "good_status_below": 500, "clusters": ["ocp-9"]}])
    with pytest.raises(ValidationError, match="count the same"):
        config(slis=[{"namespace": "shop", "service": "api", "good_status_below": 500}] * 2)
    latency = SliQuery(namespace="shop", service="api", sli="latency", latency_threshold_ms=250)
    assert good_filter(latency, ECS) == {"range": {"event.duration": {"lte": 250e6}}}
    assert good_filter(latency, OPENSHIFT) == {"range": {"structured.duration_ms": {"lte": 250.0}}}
    body = sli_body(SliQuery(namespace="shop", service="api", match={"kubernetes.labels.app": "api"},
                             good_status_below=500), OPENSHIFT, Window(T0, T0.replace(hour=1)), "ocp-1")
    filters = body["query"]["bool"]["filter"]
    assert {"term": {"kubernetes.namespace_name": "shop"}} in filters
    assert {"term": {"kubernetes.labels.app": "api"}} in filters
    assert {"term": {"openshift.cluster_id": "ocp-1"}} in filters
    assert body["aggs"]["buckets"]["date_histogram"]["fixed_interval"] == "5m"


def test_settings_file_resolves_the_secret_and_refuses_inline_ones(tmp_path: Path) -> None:
    from ecs_insight.settings import load_settings

    file = tmp_path / "c.yaml"
    file.write_text("sources:\n  elasticsearch:\n    hosts: [https://elk:9200]\n    clusters: [ocp-1]\n"
                    "    api_key: {from_env: ES_KEY}\n    fields: {preset: ecs, bytes: _size}\n")
    settings = load_settings(file, environ={"ES_KEY": "aWQ6a2V5"})
    es = settings.sources.elasticsearch
    assert es is not None and es.api_key is not None and es.api_key.get_secret_value() == "aWQ6a2V5"
    assert es.fields.resolved().bytes == "_size"
    file.write_text("sources:\n  elasticsearch:\n    hosts: [https://elk:9200]\n    clusters: [ocp-1]\n"
                    "    password: hunter2\n    username: u\n")
    with pytest.raises(ConfigError, match=r"sources\.elasticsearch\.password"):
        load_settings(file, environ={})
    file.write_text("sources:\n  elasticsearch:\n    hosts: [https://elk:9200]\n    clusters: []\n")
    with pytest.raises(ConfigError, match=r"sources\.elasticsearch\.clusters"):
        load_settings(file, environ={})


def test_the_example_config_is_valid() -> None:
    from ecs_insight.settings import PROJECT_ROOT, load_settings

    example = PROJECT_ROOT / "config" / "elasticsearch.example.yaml"
    settings = load_settings(example, environ={"ECS_INSIGHT_ES_API_KEY": "aWQ6a2V5"})
    es = settings.sources.elasticsearch
    assert es is not None and [c.cluster_id for c in es.clusters] == ["ocp-cti-01", "ocp-icg-01", "ocp-shared-01"]
    assert es.filters_on_cluster_field(es.clusters[2]) and not es.filters_on_cluster_field(es.clusters[0])
    assert [(s.sli, s.latency_threshold_ms) for s in es.slis] == [("availability", None), ("latency", 300.0)]
