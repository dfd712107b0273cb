"""Session fixtures: the tiny simulated estate, and real servers loaded with a slice of it.

``prometheus_estate``: Prometheus serving promtool blocks made from the OpenMetrics writer's text for
``BACKFILL_HOURS`` hours of ``BACKFILL_CLUSTERS`` clusters. ``elasticsearch_estate``: noida-db (the
Elasticsearch API) holding the NDJSON writer's log documents for the same slice. Each server starts
once per session; the truth frames travel with the handle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from elasticsearch import Elasticsearch

from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from testbed.formats.ndjson import NdjsonStats, index_template, write_estate_ndjson
from testbed.formats.openmetrics import OpenMetricsStats, write_estate_openmetrics
from testbed.noida import NoidaServer, load_ndjson, start_noida
from testbed.prometheus import Backfill, PrometheusServer, create_blocks, start_prometheus

BACKFILL_OFFSET_HOURS = 10  # a working-day morning of the tiny estate's first day
BACKFILL_HOURS = 3
BACKFILL_CLUSTERS = 2
STEP_SECONDS = 60


@dataclass(frozen=True)
class EstateSlice:
    """The part of the estate loaded into the servers, with its truth frames."""

    estate: SyntheticEstate
    window: Window
    clusters: tuple[str, ...]

    def facts(self, table: str) -> pd.DataFrame:
        frames = [b.frame for b in self.estate.collect(self.window, tables=[table]) if b.scope in self.clusters]
        return pd.concat(frames, ignore_index=True)

    def dimension(self, name: str) -> pd.DataFrame:
        dim = self.estate.dimensions()[name]
        return dim[dim["cluster_id"].isin(self.clusters)].reset_index(drop=True)


@dataclass(frozen=True)
class PrometheusEstate:
    server: PrometheusServer
    slice: EstateSlice
    written: OpenMetricsStats
    backfill: Backfill


@dataclass(frozen=True)
class ElasticsearchEstate:
    server: NoidaServer
    client: Elasticsearch
    slice: EstateSlice
    written: NdjsonStats
    loaded: int


@pytest.fixture(scope="session")
def tiny_estate() -> SyntheticEstate:
    return SyntheticEstate(EstateConfig(profile="tiny", seed=42))


@pytest.fixture(scope="session")
def estate_slice(tiny_estate: SyntheticEstate) -> EstateSlice:
    start = tiny_estate.window.start + timedelta(hours=BACKFILL_OFFSET_HOURS)
    clusters = sorted(tiny_estate.dimensions()["cluster"]["cluster_id"])[:BACKFILL_CLUSTERS]
    return EstateSlice(tiny_estate, Window(start, start + timedelta(hours=BACKFILL_HOURS)), tuple(clusters))


@pytest.fixture(scope="session")
def prometheus_estate(tmp_path_factory: pytest.TempPathFactory, estate_slice: EstateSlice
                      ) -> Iterator[PrometheusEstate]:
    root = tmp_path_factory.mktemp("prometheus")
    text = root / "estate.om"
    with text.open("w", encoding="utf-8") as fh:
        written = write_estate_openmetrics(fh, estate_slice.estate, estate_slice.window,
                                           step_seconds=STEP_SECONDS, clusters=estate_slice.clusters)
    backfill = create_blocks(text, root / "data")
    text.unlink()
    server = start_prometheus(root / "data", root)
    try:
        yield PrometheusEstate(server, estate_slice, written, backfill)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def noida_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoidaServer]:
    root = tmp_path_factory.mktemp("noida")
    server = start_noida(root / "data", root / "noida.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def elasticsearch_estate(tmp_path_factory: pytest.TempPathFactory, noida_server: NoidaServer,
                         estate_slice: EstateSlice) -> Iterator[ElasticsearchEstate]:
    path: Path = tmp_path_factory.mktemp("ndjson") / "logs.ndjson"
    with path.open("w", encoding="utf-8") as fh:
        written = write_estate_ndjson(fh, estate_slice.estate, estate_slice.window, clusters=estate_slice.clusters)
    client = Elasticsearch(noida_server.url, request_timeout=120)
    client.indices.put_index_template(name="openshift-logs", **index_template())
    loaded = load_ndjson(client, path)
    client.indices.refresh(index="app-*,infra-*")
    try:
        yield ElasticsearchEstate(noida_server, client, estate_slice, written, loaded)
    finally:
        client.close()
