"""Elasticsearch logs: log volume per cluster, namespace and hour, and log-based SLIs per 5 minutes.

``make_collector(config)`` builds the client from the settings; tests and callers with their own
client pass ``client=`` (any ``elasticsearch.Elasticsearch``, e.g. one pointed at a test server).
"""

from __future__ import annotations

from elasticsearch import Elasticsearch

from collectors.elasticsearch.client import Searcher, build_client
from collectors.elasticsearch.collector import SOURCE, ElasticsearchCollector
from collectors.elasticsearch.config import ClusterIndices, ElasticsearchSourceConfig, FieldMapping, SliQuery


def make_collector(config: ElasticsearchSourceConfig, client: Elasticsearch | None = None) -> ElasticsearchCollector:
    return ElasticsearchCollector(config, Searcher(client if client is not None else build_client(config), config))


__all__ = ["SOURCE", "ClusterIndices", "ElasticsearchCollector", "ElasticsearchSourceConfig", "FieldMapping",
           "Searcher", "SliQuery", "build_client", "make_collector"]
