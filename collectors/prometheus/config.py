"""Typed settings of the Prometheus collector: which servers, how to reach them, how hard to push."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from common.urls import http_url

DEFAULT_LABEL_KEYS = [
    "ecs/sector", "ecs/application", "ecs/cost-centre", "kubernetes.io/metadata.name",
    "openshift.io/cluster-monitoring", "app.kubernetes.io/part-of",
]


class Endpoint(BaseModel):
    """How to reach one Prometheus-API server (a cluster's Prometheus, or a Thanos Querier)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Base URL of the Prometheus HTTP API, e.g. https://thanos-querier.example:9091.")
    bearer_token: SecretStr | None = Field(
        default=None,
        description="Bearer token (a service account's) sent as Authorization; {from_env: VAR} or {from_file: PATH}.")
    ca_bundle: str | None = Field(default=None, description="PEM file of the CA that signed the server's certificate.")
    verify_tls: bool = Field(default=True, description="Check the server's TLS certificate (turn off only for tests).")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)


class ClusterEndpoint(Endpoint):
    """One OpenShift cluster's own Prometheus (or its Thanos Querier)."""

    cluster_id: str = Field(description="Warehouse cluster id the server's data belongs to.")
    selector: dict[str, str] = Field(
        default_factory=dict,
        description="Extra label matchers added to every query (e.g. {prometheus: openshift-monitoring/k8s}).")


class ThanosConfig(Endpoint):
    """One Thanos Querier (or any Prometheus-API server) holding many clusters told apart by a label."""

    cluster_label: str = Field(default="cluster", description="External label naming the cluster of a series.")
    clusters: list[str] = Field(
        default_factory=list,
        description="Cluster ids (values of cluster_label) to collect; empty: every cluster the server knows.")


class PrometheusSourceConfig(BaseModel):
    """The Prometheus source: OpenShift usage per pod, container, node and volume claim, hourly."""

    model_config = ConfigDict(extra="forbid")

    clusters: list[ClusterEndpoint] = Field(default_factory=list,
                                            description="One Prometheus per cluster.")
    thanos: ThanosConfig | None = Field(default=None,
                                        description="One Thanos Querier for many clusters (with clusters or alone).")
    scrape_interval_seconds: float = Field(
        default=30, gt=0, le=600,
        description="Scrape interval of the cAdvisor and kube-state-metrics jobs; a gauge's sample count times "
        "this is the seconds it was seen (Cost Management Metrics Operator convention).")
    query_timeout_seconds: float = Field(default=120, gt=0,
                                         description="Per-query timeout, sent to the server and used on the socket.")
    retries: int = Field(default=4, ge=0, le=20,
                         description="Retries of a query after a transient error (timeout, 5xx, 429, refused).")
    backoff_seconds: float = Field(default=1.0, ge=0,
                                   description="First retry delay; doubled on each further retry (with jitter).")
    concurrency: int = Field(default=4, ge=1, le=64, description="Queries in flight at once, over all clusters.")
    max_points_per_series: int = Field(
        default=10_000, ge=10, le=11_000,
        description="Range queries are split so no series returns more points (Prometheus refuses over 11,000).")
    chunk_hours: int = Field(default=24, ge=1, le=24 * 31,
                             description="Hours per range query; bounds the size of one response.")
    label_keys: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LABEL_KEYS),
        description="Original namespace label keys to restore from kube-state-metrics' sanitised label_* names "
        "(the mapping's sector, application and cost-centre labels are always added).")
    peak_cpu: bool = Field(default=True,
                           description="Also collect each container's peak 5-minute CPU rate per hour (a subquery).")

    @model_validator(mode="after")
    def _some_server(self) -> PrometheusSourceConfig:
        if not self.clusters and self.thanos is None:
            raise ValueError("configure clusters (a URL per cluster) or thanos (one URL with a cluster label)")
        ids = [c.cluster_id for c in self.clusters]
        if len(ids) != len(set(ids)):
            raise ValueError("cluster ids must be unique")
        return self
