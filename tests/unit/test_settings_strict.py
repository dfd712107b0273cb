"""Configuration that used to be accepted and should not be: keys written twice, blank or repeated
sectors, entitlements of sectors not configured, empty label keys, source URLs that are no HTTP URL.
Each fails at load naming the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import ConfigError
from common.urls import http_url
from ecs_insight.settings import load_settings

BASE = "warehouse:\n  url: duckdb:///x.duckdb\n"


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(BASE + text)
    load_settings(path, environ={})


@pytest.mark.parametrize(("text", "expected"), [
    ("load:\n  slice_hours: 24\nload:\n  slice_hours: 48\n", r"key 'load' is written twice .*lines 3 and 5"),
    ("load:\n  slice_hours: 24\n  slice_hours: 48\n", r"key 'slice_hours' is written twice .*lines 4 and 5"),
    ("warehouse:\n  url: duckdb:///y.duckdb\n", r"key 'warehouse' is written twice .*lines 1 and 3"),
])
def test_a_key_written_twice_is_refused_with_both_lines(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as caught:
        load(tmp_path, text)
    assert "settings.yaml" in str(caught.value)


def test_a_validation_error_names_the_line_of_the_key(tmp_path: Path) -> None:
    text = "server:\n  host: 127.0.0.1\n  port: 70000\n"
    with pytest.raises(ConfigError, match=r"server\.port \(line 5\): Input should be less than or equal to 65535"):
        load(tmp_path, text)


def test_an_unknown_key_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"mapping\.sector_lable \(line 4\): Extra inputs are not permitted"):
        load(tmp_path, "mapping:\n  sector_lable: ecs/sector\n")


COST_MODEL = "chargeback:\n  cost_model:\n"


@pytest.mark.parametrize(("text", "expected"), [
    ('    sectors: [CTI, ICG, CTI]\n', r"chargeback\.cost_model\.sectors \(line 5\): .*\[2\] 'CTI' appears twice"),
    ('    sectors: [CTI, "  "]\n', r"chargeback\.cost_model\.sectors \(line 5\): .*\[1\] is blank"),
    ('    sectors: [CTI]\n    entitlements:\n      - {sector: GFTS, cores: "4", effective_from: 2026-01-01}\n',
     r"entitlements\[0\]\.sector 'GFTS' is not among sectors \(CTI\)"),
])
def test_sectors_are_unique_named_and_cover_the_entitlements(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load(tmp_path, COST_MODEL + text)


@pytest.mark.parametrize("key", ["sector_label", "application_label", "cost_centre_label"])
def test_an_empty_mapping_label_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"mapping\.{key} \(line 4\): Value error, a label key may not be empty"):
        load(tmp_path, f'mapping:\n  {key}: " "\n')


PROMETHEUS = "sources:\n  prometheus:\n    clusters:\n      - {cluster_id: c1, url: %s}\n"
ELASTICSEARCH = "sources:\n  elasticsearch:\n    hosts: [%s]\n    clusters: [c1]\n"


@pytest.mark.parametrize("url", ["not a url", "ftp://prometheus.example:9090", "http://", "http://host:99999",
                                 "prometheus.example:9090"])
def test_a_source_url_that_is_no_http_url_fails_at_load(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match=r"sources\.prometheus\.clusters\.0\.url \(line 6\): Value error, '"):
        load(tmp_path, PROMETHEUS % f'"{url}"')
    refused = r"Value error, \[0\] '.*' (is not an http|names no host|has an invalid port)"
    with pytest.raises(ConfigError, match=rf"sources\.elasticsearch\.hosts \(line 5\): {refused}"):
        load(tmp_path, ELASTICSEARCH % f'"{url}"')


def test_http_and_https_urls_load(tmp_path: Path) -> None:
    load(tmp_path, PROMETHEUS % "https://thanos-querier.example:9091")
    load(tmp_path, ELASTICSEARCH % "http://127.0.0.1:9200")


keys = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(keys, min_size=1, max_size=6, unique=True), st.data())
def test_any_mapping_with_a_repeated_key_is_refused(tmp_path_factory: pytest.TempPathFactory, names: list[str],
                                                    data: st.DataObject) -> None:
    repeated = data.draw(st.sampled_from(names))
    body = "".join(f"  {name}: 1\n" for name in [*names, repeated])
    path = tmp_path_factory.mktemp("dup") / "settings.yaml"
    path.write_text(f"{BASE}mapping:\n{body}")
    with pytest.raises(ConfigError, match=rf"key '{repeated}' is written twice"):
        load_settings(path, environ={})


@given(st.sampled_from(["http", "https"]), st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,5}){0,2}", fullmatch=True),
       st.integers(min_value=1, max_value=65535))
def test_every_http_url_with_a_host_and_port_is_accepted(scheme: str, host: str, port: int) -> None:
    url = f"{scheme}://{host}:{port}"
    assert http_url(url) == url
