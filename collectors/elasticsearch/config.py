"""Typed settings of the Elasticsearch log collector: where the logs are, what the fields are called,
how to authenticate, and which log-based SLIs to count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from common.urls import http_url

LatencyUnit = Literal["ns", "us", "ms", "s"]
MS_PER_UNIT: dict[str, float] = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Fields:
    """Resolved field names and level values (a preset with the configured overrides applied)."""

    timestamp: str
    namespace: str
    level: str
    cluster: str
    bytes: str | None
    http_status: str
    latency: str
    latency_unit: LatencyUnit
    error_levels: tuple[str, ...]
    warning_levels: tuple[str, ...]


# OpenShift logging (ViaQ): Vector normalises levels to the full syslog words (emergency, alert,
# critical, error, warning, notice, info, debug, trace, unknown); the older fluentd collector wrote
# syslog names (emerg, alert, crit, err, warn, ...). Parsed JSON payloads of access logs land under
# ``structured``.
OPENSHIFT = Fields(
    timestamp="@timestamp", namespace="kubernetes.namespace_name", level="level", cluster="openshift.cluster_id",
    bytes=None, http_status="structured.status", latency="structured.duration_ms", latency_unit="ms",
    error_levels=("emerg", "emergency", "alert", "crit", "critical", "err", "error", "fatal"),
    warning_levels=("warning", "warn"),
)
# Elastic Common Schema as Filebeat/Elastic Agent write it with Kubernetes metadata; log.level is free
# text, so both spellings are listed; event.duration is in nanoseconds.
ECS = Fields(
    timestamp="@timestamp", namespace="kubernetes.namespace", level="log.level", cluster="orchestrator.cluster.name",
    bytes=None, http_status="http.response.status_code", latency="event.duration", latency_unit="ns",
    error_levels=("emergency", "alert", "critical", "error", "fatal", "err", "crit",
                  "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "FATAL"),
    warning_levels=("warning", "warn", "WARNING", "WARN"),
)
PRESETS: dict[str, Fields] = {"openshift": OPENSHIFT, "ecs": ECS}


class FieldMapping(BaseModel):
    """Which document fields hold what; unset entries come from the preset."""

    model_config = ConfigDict(extra="forbid")

    preset: Literal["openshift", "ecs"] = Field(
        default="openshift",
        description="Field names to start from: 'openshift' (OpenShift logging / ViaQ: kubernetes.namespace_name, "
        "level, openshift.cluster_id) or 'ecs' (Elastic Common Schema: kubernetes.namespace, log.level, "
        "orchestrator.cluster.name).")
    timestamp: str | None = Field(default=None, description="Event time field (a date).")
    namespace: str | None = Field(default=None, description="Namespace field (a keyword).")
    level: str | None = Field(default=None, description="Log level field (a keyword).")
    cluster: str | None = Field(
        default=None, description="Cluster id field, used when index_pattern has no {cluster} placeholder.")
    bytes: str | None = Field(
        default=None,
        description="Numeric field with each document's size in bytes (e.g. _size from the mapper-size plugin, "
        "or a field set by an ingest pipeline); summed per hour. Unset: bytes are stored as NULL.")
    http_status: str | None = Field(default=None, description="HTTP status code field of access logs (a number).")
    latency: str | None = Field(default=None, description="Request duration field of access logs (a number).")
    latency_unit: LatencyUnit | None = Field(default=None,
                                             description="Unit of the latency field: ns, us, ms or s.")
    error_levels: list[str] | None = Field(default=None,
                                           description="Level values counted as errors (exact keyword values).")
    warning_levels: list[str] | None = Field(default=None,
                                             description="Level values counted as warnings (exact keyword values).")

    def resolved(self) -> Fields:
        base = PRESETS[self.preset]
        pick = {name: getattr(self, name) for name in Fields.__dataclass_fields__ if getattr(self, name) is not None}
        for name in ("error_levels", "warning_levels"):
            if name in pick:
                pick[name] = tuple(pick[name])
        merged = {**base.__dict__, **pick}
        return Fields(**merged)

    @model_validator(mode="after")
    def _levels_disjoint(self) -> FieldMapping:
        f = self.resolved()
        both = set(f.error_levels) & set(f.warning_levels)
        if both:
            raise ValueError(f"level values {sorted(both)} are both error_levels and warning_levels")
        if not f.error_levels or not f.warning_levels:
            raise ValueError("error_levels and warning_levels need at least one value each")
        return self


class ClusterIndices(BaseModel):
    """One OpenShift cluster whose logs are collected."""

    model_config = ConfigDict(extra="forbid")

    cluster_id: str = Field(min_length=1, description="Warehouse cluster id the logs belong to.")
    index_pattern: str | None = Field(
        default=None, description="This cluster's indices; default: the source's index_pattern. Without a "
        "{cluster} placeholder its documents are filtered on fields.cluster.")
    sli_index_pattern: str | None = Field(
        default=None, description="This cluster's access-log indices; default: the source's sli_index_pattern.")


class SliQuery(BaseModel):
    """A log-based SLI of one service: good and total requests per 5-minute bucket."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(min_length=1, description="Namespace of the service (its requests are filtered on it).")
    service: str = Field(min_length=1, max_length=253, description="Service name stored with the SLI.")
    sli: str = Field(default="availability", min_length=1, max_length=64,
                     description="SLI name stored, e.g. availability or latency.")
    clusters: list[str] = Field(default_factory=list,
                                description="Clusters the service runs on; empty: every configured cluster.")
    match: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Exact field values that select the service's requests, e.g. {kubernetes.labels.app: api}.")
    query: dict[str, Any] | None = Field(
        default=None, description="Further query DSL (a JSON object) that selects the requests; ANDed with match.")
    good_status_below: int | None = Field(
        default=None, ge=100, le=600,
        description="Good request: HTTP status below this (500 counts 4xx as good). One of the three good_* "
        "settings is required.")
    latency_threshold_ms: float | None = Field(
        default=None, gt=0, description="Good request: latency at most this many milliseconds.")
    good_query: dict[str, Any] | None = Field(
        default=None, description="Good request: this query DSL object matches it.")

    @model_validator(mode="after")
    def _one_goodness(self) -> SliQuery:
        options = ("good_status_below", "latency_threshold_ms", "good_query")
        chosen = [n for n in options if getattr(self, n) is not None]
        if len(chosen) != 1:
            raise ValueError("set exactly one of good_status_below, latency_threshold_ms, good_query"
                             + (f" (found {', '.join(chosen)})" if chosen else ""))
        return self


class ElasticsearchSourceConfig(BaseModel):
    """The Elasticsearch source: log volume per cluster, namespace and hour, and log-based SLIs."""

    model_config = ConfigDict(extra="forbid")

    hosts: list[str] = Field(min_length=1, description="Elasticsearch URLs, e.g. https://elk.example:9200.")

    @field_validator("hosts")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        checked = []
        for index, host in enumerate(value):
            try:
                checked.append(http_url(host))
            except ValueError as exc:
                raise ValueError(f"[{index}] {exc}") from None
        return checked
    clusters: list[ClusterIndices] = Field(
        min_length=1, description="Clusters to collect: cluster ids, or {cluster_id, index_pattern} objects.")
    index_pattern: str = Field(
        default="app-{cluster}-*,infra-{cluster}-*",
        description="Comma-separated indices or patterns holding a cluster's container logs; {cluster} is the "
        "cluster id. Without {cluster}, documents are filtered on fields.cluster instead. A pattern matching "
        "no index fails the cluster; hours before the cluster's earliest document held (deleted by the "
        "index retention) are not collected, so their stored figures stay.")
    sli_index_pattern: str = Field(
        default="app-{cluster}-*",
        description="Indices holding access logs for the SLI queries; {cluster} as in index_pattern.")
    fields: FieldMapping = Field(default_factory=FieldMapping, description="Field names of the log documents.")
    slis: list[SliQuery] = Field(default_factory=list, description="Log-based SLIs, counted per 5 minutes.")
    api_key: SecretStr | None = Field(
        default=None, description="API key (the base64 id:key form); {from_env: VAR} or {from_file: PATH}.")
    username: str | None = Field(default=None, description="Basic-auth user (with password).")
    password: SecretStr | None = Field(default=None,
                                       description="Basic-auth password; {from_env: VAR} or {from_file: PATH}.")
    ca_bundle: str | None = Field(default=None, description="PEM file of the CA that signed the server's certificate.")
    verify_certs: bool = Field(default=True,
                               description="Check the server's TLS certificate (turn off only for tests).")
    request_timeout_seconds: float = Field(default=60, gt=0, le=3600,
                                           description="Per-request timeout, on the socket and sent to the server.")
    retries: int = Field(default=3, ge=0, le=20,
                         description="Retries of a request after a transient error (connection, timeout, 429, 5xx).")
    backoff_seconds: float = Field(default=1.0, ge=0, le=300,
                                   description="First retry delay; doubled on each further retry.")
    chunk_hours: int = Field(default=24, ge=1, le=24 * 31,
                             description="Hours per search; bounds the size and time of one response.")
    page_size: int = Field(default=1000, ge=1, le=10_000,
                           description="Buckets per composite page (namespace-hours), or namespaces per terms page.")
    max_buckets: int = Field(
        default=10_000, ge=100, le=65_536,
        description="Most buckets one terms page may return (namespaces x hours x counted level values); stay "
        "under the cluster's search.max_buckets.")
    paging: Literal["auto", "composite", "terms"] = Field(
        default="auto",
        description="How namespaces are paged: 'composite' (composite aggregation with after_key), 'terms' "
        "(terms ordered by namespace, the next page filtered to names after the last one), or 'auto' "
        "(composite, falling back to terms when the server has no composite aggregation).")

    @field_validator("clusters", mode="before")
    @classmethod
    def _ids_or_objects(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"cluster_id": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ElasticsearchSourceConfig:
        if self.api_key is not None and (self.username or self.password):
            raise ValueError("set api_key or username and password, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both username and password")
        ids = [c.cluster_id for c in self.clusters]
        if len(ids) != len(set(ids)):
            raise ValueError(f"cluster ids must be unique: {sorted({i for i in ids if ids.count(i) > 1})}")
        for i, s in enumerate(self.slis):
            unknown = sorted(set(s.clusters) - set(ids))
            if unknown:
                raise ValueError(f"slis.{i}.clusters names clusters that are not configured: {unknown}")
        keys = [(s.namespace, s.service, s.sli, c) for s in self.slis for c in (s.clusters or ids)]
        if len(keys) != len(set(keys)):
            raise ValueError("two slis count the same (cluster, namespace, service, sli)")
        return self

    def indices(self, cluster: ClusterIndices) -> str:
        return (cluster.index_pattern or self.index_pattern).replace("{cluster}", cluster.cluster_id)

    def sli_indices(self, cluster: ClusterIndices) -> str:
        return (cluster.sli_index_pattern or self.sli_index_pattern).replace("{cluster}", cluster.cluster_id)

    def filters_on_cluster_field(self, cluster: ClusterIndices, sli: bool = False) -> bool:
        """True when the cluster's indices are shared: its documents are told apart by fields.cluster."""
        pattern = (cluster.sli_index_pattern or self.sli_index_pattern) if sli else (
            cluster.index_pattern or self.index_pattern)
        return "{cluster}" not in pattern
