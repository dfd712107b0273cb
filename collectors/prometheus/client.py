"""Talking to a Prometheus-API server: the client protocol, retries on transient errors only,
range splitting under the points limit, and counts of what was asked.

The collector is handed an object with prometheus-api-client's two query methods, so tests point it
at a real server and production at a cluster's Prometheus or a Thanos Querier.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from requests.adapters import Retry

from collectors.prometheus.config import Endpoint
from common.errors import PermanentError, TransientError
from common.retry import RetryPolicy

log = logging.getLogger(__name__)

Result = list[dict[str, Any]]
_STATUS = re.compile(r"HTTP Status Code (\d{3})")
_TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
_ERROR_TYPE = re.compile(r'"errorType"\s*:\s*"(\w+)"')
_TRANSIENT_ERROR_TYPES = {"timeout", "canceled", "unavailable", "internal"}
_STORAGE_FAILURE = re.compile(r"block is closing|open querier|open (index|chunk) reader|context canceled"
                              r"|db closed|shutting down", re.IGNORECASE)


class PrometheusClient(Protocol):
    """What the collector needs of prometheus-api-client's ``PrometheusConnect``."""

    def custom_query(self, query: str, params: dict | None = None) -> Result: ...

    def custom_query_range(self, query: str, start_time: datetime, end_time: datetime, step: str,
                           params: dict | None = None) -> Result: ...


def connect(endpoint: Endpoint, timeout_seconds: float) -> PrometheusConnect:
    """A PrometheusConnect with the endpoint's token and CA, and no retries of its own (ours classify)."""
    headers = {}
    if endpoint.bearer_token is not None:
        headers["Authorization"] = f"Bearer {endpoint.bearer_token.get_secret_value()}"
    session = requests.Session()
    session.verify = endpoint.ca_bundle if endpoint.ca_bundle and endpoint.verify_tls else endpoint.verify_tls
    return PrometheusConnect(url=endpoint.url.rstrip("/"), headers=headers, session=session,
                             retry=Retry(total=0, raise_on_status=False), timeout=timeout_seconds)


def classify(exc: Exception, query: str, url: str) -> TransientError | PermanentError:
    """Our error for a failed request: transient (retry later) or permanent (the same will fail again)."""
    short = query if len(query) <= 160 else query[:157] + "..."
    if isinstance(exc, requests.exceptions.SSLError):
        return PermanentError(f"TLS failed ({_reason(exc)}): check ca_bundle and verify_tls", server=url)
    # With retries off, urllib3 reports a read timeout inside a ConnectionError: look at the reason.
    if isinstance(exc, requests.Timeout) or (isinstance(exc, requests.ConnectionError)
                                             and "timed out" in str(exc).lower()):
        return TransientError("timed out", server=url, query=short)
    if isinstance(exc, requests.ConnectionError):
        return TransientError(f"cannot connect: {type(exc).__name__}", server=url, query=short)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        # The connection broke while the answer was read (server restarted, a proxy or router in
        # between dropped it): the same query asked again gets the whole answer.
        return TransientError(f"answer cut off: {str(exc)[:200]}", server=url, query=short)
    if isinstance(exc, PrometheusApiClientException):
        m = _STATUS.search(str(exc))
        status = int(m.group(1)) if m else 0
        detail = str(exc)[:300]
        if status in _TRANSIENT_STATUS:
            return TransientError(f"server error {status}: {detail}", server=url, query=short)
        if _server_side_failure(str(exc)):
            return TransientError(f"query failed on the server ({status}): {detail}", server=url, query=short)
        if status == 400 and "errorType" not in str(exc):
            # Prometheus refuses a query with a JSON error body; a bare "400 Bad Request" comes from
            # the HTTP layer (a request garbled on its way; seen intermittently even on loopback), and
            # the same query asked again succeeds.
            return TransientError(f"request rejected by the HTTP layer: {detail}", server=url, query=short)
        if status in (401, 403):
            return PermanentError(f"access refused ({status}): check the bearer token", server=url)
        return PermanentError(f"query refused ({status or 'unknown status'}): {detail}", server=url, query=short)
    if isinstance(exc, ValueError):  # a truncated or non-JSON body, e.g. from a proxy in between
        return TransientError(f"unreadable response: {exc}", server=url, query=short)
    return PermanentError(f"{type(exc).__name__}: {exc}", server=url, query=short)


def _server_side_failure(text: str) -> bool:
    """Whether Prometheus' error body says the query failed for the server's own state, not the query's.

    A query cancelled under it (``canceled``, sent as 499) or one whose storage went away while it ran
    (``execution``, 422, with a TSDB block closing or unreadable: seen while Prometheus shuts down or
    compacts) succeeds when asked again. Other execution errors (many-to-many matching, too many
    samples) come from the query and the data, and fail again the same way.
    """
    kind = _ERROR_TYPE.search(text)
    if kind is None:
        return False
    if kind.group(1) in _TRANSIENT_ERROR_TYPES:
        return True
    return kind.group(1) == "execution" and _STORAGE_FAILURE.search(text) is not None


def _reason(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"\[SSL: ([A-Z_]+)\][^)'\"]*", text)
    return m.group(0) if m else text[:200]


@dataclass
class QueryStats:
    """What was asked of the servers: queries sent (with retries), series and points received."""

    queries: int = 0
    retries: int = 0
    series: int = 0
    points: int = 0
    dropped_points: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: float) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class QueryRunner:
    """Runs PromQL with a timeout, bounded retries with exponential backoff on transient errors, and
    range splitting; non-finite samples (NaN, Inf) are dropped and counted."""

    def __init__(self, client: PrometheusClient, url: str, *, timeout_seconds: float, retries: int,
                 backoff_seconds: float, stats: QueryStats | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.url = client, url
        self.timeout_seconds = timeout_seconds
        self.policy = RetryPolicy(retries, backoff_seconds, sleep)
        self.stats = stats if stats is not None else QueryStats()

    def _call(self, query: str, fn: Callable[[], Result]) -> Result:
        def attempt() -> Result:
            started = time.perf_counter()
            self.stats.add(queries=1)
            try:
                return fn()
            except Exception as exc:  # every failure is classified
                raise classify(exc, query, self.url) from exc
            finally:
                self.stats.add(seconds=time.perf_counter() - started)

        def retrying(error: TransientError, retry: int, delay: float) -> None:
            log.warning("retrying in %.1fs (%d/%d): %s", delay, retry, self.policy.retries, error)
            self.stats.add(retries=1)

        result = self.policy.run(attempt, retrying)
        if not isinstance(result, list):
            raise PermanentError(f"expected a vector or matrix, got {type(result).__name__}",
                                 server=self.url, query=query[:160])
        return result

    def instant(self, query: str, at: datetime) -> Result:
        params = {"time": _unix(at), "timeout": self._server_timeout()}
        result = self._call(query, lambda: self.client.custom_query(query, params=params))
        return self._clean(result, "value")

    def range(self, query: str, start: datetime, end: datetime, step_seconds: int) -> Result:
        """A range query on [start, end] (both evaluated) at ``step_seconds``."""
        params = {"timeout": self._server_timeout()}
        result = self._call(query, lambda: self.client.custom_query_range(
            # Aware datetimes: the client calls .timestamp(), which reads naive values as local time.
            query, start_time=start.replace(tzinfo=UTC), end_time=end.replace(tzinfo=UTC),
            step=f"{step_seconds}s", params=params))
        return self._clean(result, "values")

    def _server_timeout(self) -> str:
        """The query timeout as Prometheus parses it (whole milliseconds)."""
        return f"{max(1, round(self.timeout_seconds * 1000))}ms"

    def _clean(self, result: Result, key: str) -> Result:
        """Each series' ``values`` as a float array of shape (n, 2) (time, value), finite values only."""
        points = dropped = 0
        for series in result:
            if key == "value":
                series["values"] = [series.pop("value")] if "value" in series else []
            values = np.asarray(series.get("values") or np.empty((0, 2)), dtype=float).reshape(-1, 2)
            finite = np.isfinite(values[:, 1])
            dropped += int((~finite).sum())
            series["values"] = values[finite]
            points += int(finite.sum())
        self.stats.add(series=len(result), points=points, dropped_points=dropped)
        if dropped:
            log.warning("%s: %d non-finite samples (NaN/Inf) dropped", self.url, dropped)
        return result

def _unix(ts: datetime) -> float:
    return (ts - datetime(1970, 1, 1)).total_seconds()
