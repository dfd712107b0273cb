"""OpenShift usage from Prometheus or a Thanos Querier (the same HTTP API) into hourly facts."""

from collectors.prometheus.client import PrometheusClient, QueryRunner, QueryStats, connect
from collectors.prometheus.collector import PrometheusCollector, Target
from collectors.prometheus.config import ClusterEndpoint, Endpoint, PrometheusSourceConfig, ThanosConfig

__all__ = [
    "ClusterEndpoint",
    "Endpoint",
    "PrometheusClient",
    "PrometheusCollector",
    "PrometheusSourceConfig",
    "QueryRunner",
    "QueryStats",
    "Target",
    "ThanosConfig",
    "connect",
]
