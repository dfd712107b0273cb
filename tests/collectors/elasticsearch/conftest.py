"""Access logs of the estate's SLI services in the session's noida-db, beside the container logs.

The requests of ``ACCESS_MINUTES`` minutes at the start of the loaded slice are written (one
document per request, about 45,000 for the tiny estate's two clusters) and bulk-loaded once per
session into ``access-<cluster>-<date>`` indices.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from collectors.elasticsearch.config import ClusterIndices, ElasticsearchSourceConfig, FieldMapping
from common.windows import Window
from testbed.formats.access_logs import AccessLogStats, write_access_ndjson
from testbed.formats.ndjson import index_template
from testbed.noida import load_ndjson
from tests.collectors.conftest import ElasticsearchEstate

ACCESS_MINUTES = 10
LATENCY_THRESHOLD_MS = 300.0
VOLUME_KEY = ["cluster_id", "namespace", "hour"]
VOLUME_VALUES = ["documents", "bytes", "error_documents", "warning_documents"]


def volume_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """log_volume_hourly rows (collected, stored or true) as comparable figures per cluster, namespace, hour."""
    return frame.set_index(VOLUME_KEY)[VOLUME_VALUES].astype("int64").sort_index()


def volume_truth(es: ElasticsearchEstate) -> pd.DataFrame:
    """The estate's log volume figures of the loaded slice (hours with documents)."""
    rows = es.slice.facts("log_volume_hourly")
    return volume_figures(rows[rows["documents"] > 0])


@dataclass(frozen=True)
class AccessLogs:
    es: ElasticsearchEstate
    window: Window
    written: AccessLogStats
    loaded: int

    def truth(self) -> pd.DataFrame:
        """The estate's sli_5m rows of the loaded buckets."""
        rows = self.es.slice.facts("sli_5m")
        inside = (rows["bucket_start"] >= self.window.start) & (rows["bucket_start"] < self.window.end)
        return rows[inside & (rows["total_events"] > 0)].reset_index(drop=True)


@pytest.fixture(scope="session")
def access_logs(tmp_path_factory: pytest.TempPathFactory, elasticsearch_estate: ElasticsearchEstate
                ) -> Iterator[AccessLogs]:
    es = elasticsearch_estate
    window = Window(es.slice.window.start, es.slice.window.start + timedelta(minutes=ACCESS_MINUTES))
    path = tmp_path_factory.mktemp("access") / "access.ndjson"
    with path.open("w", encoding="utf-8") as fh:
        written = write_access_ndjson(fh, es.slice.estate, window, latency_threshold_ms=LATENCY_THRESHOLD_MS,
                                      clusters=es.slice.clusters)
    es.client.indices.put_index_template(name="access-logs", **index_template(("access-*",)))
    loaded = load_ndjson(es.client, path, chunk_size=5000)
    path.unlink()
    es.client.indices.refresh(index="access-*")
    yield AccessLogs(es, window, written, loaded)


def source_config(clusters: tuple[str, ...], **overrides: object) -> ElasticsearchSourceConfig:
    """The collector's settings for the estate's indices (OpenShift model, sizes in message_size)."""
    values: dict[str, object] = {
        "hosts": ["http://127.0.0.1:9200"],  # unused: the tests inject a client
        "clusters": [ClusterIndices(cluster_id=c) for c in clusters],
        "index_pattern": "app-{cluster}-*,infra-{cluster}-*",
        "sli_index_pattern": "access-{cluster}-*",
        "fields": FieldMapping(preset="openshift", bytes="message_size"),
        "backoff_seconds": 0,
    }
    values.update(overrides)
    return ElasticsearchSourceConfig.model_validate(values)


