"""Building the Elasticsearch client from the settings, and searches with retries and honest errors.

Only transient faults are retried (connection refused or reset, timeouts, 429, 5xx, and responses
where some shards failed or the search timed out); a TLS failure, a refused login or a refused query
fails at once. Every error names the indices and what was being collected.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import ApiError, Elasticsearch

from collectors.elasticsearch.config import ElasticsearchSourceConfig
from common.errors import ConfigError, DataError, PermanentError, TransientError
from common.retry import RetryPolicy

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
CONFIG_FIELD = "sources.elasticsearch"


class SearchRefused(PermanentError):
    """The server refused a search (4xx other than 429): retrying the same request fails the same way."""

    def __init__(self, message: str, *, status: int, reason: str, **context: Any) -> None:
        self.status = status
        self.reason = reason
        super().__init__(message, **context)


class PartialResults(TransientError):
    """Some shards failed or the search timed out: the counts would be short, so none are used."""


def build_client(config: ElasticsearchSourceConfig) -> Elasticsearch:
    """A client for the configured hosts with its auth and TLS settings; ConfigError names a bad setting.

    Retries are done by :class:`Searcher` (transient faults only), so the client's own are off.
    """
    if config.ca_bundle is not None and not Path(config.ca_bundle).is_file():
        raise ConfigError(f"CA bundle {config.ca_bundle} is not a readable file", field=f"{CONFIG_FIELD}.ca_bundle")
    if config.ca_bundle is not None and not any(h.startswith("https://") for h in config.hosts):
        raise ConfigError("ca_bundle is set but no host uses https://", field=f"{CONFIG_FIELD}.hosts")
    options: dict[str, Any] = {"request_timeout": config.request_timeout_seconds, "max_retries": 0,
                               "retry_on_timeout": False, "verify_certs": config.verify_certs}
    if config.ca_bundle is not None:
        options["ca_certs"] = config.ca_bundle
    if not config.verify_certs:
        options["ssl_show_warn"] = False
    if config.api_key is not None:
        options["api_key"] = config.api_key.get_secret_value()
    elif config.username is not None and config.password is not None:
        options["basic_auth"] = (config.username, config.password.get_secret_value())
    return Elasticsearch(config.hosts, **options)


def _reason(body: Any) -> tuple[str, str]:
    """(error type, reason) of an Elasticsearch error body, as precise as the body allows."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        err = body["error"]
        causes = err.get("root_cause") or []
        first = causes[0] if causes and isinstance(causes[0], Mapping) else err
        return str(first.get("type", err.get("type", "error"))), str(first.get("reason", err.get("reason", "")))
    return "error", str(body)[:300]


def shard_failure(response: Mapping[str, Any]) -> str | None:
    """Why a response is partial (failed shards, timed out), or None when it is complete."""
    shards = response.get("_shards")
    if isinstance(shards, Mapping) and int(shards.get("failed") or 0) > 0:
        failures = shards.get("failures") or []
        first = failures[0] if failures and isinstance(failures[0], Mapping) else {}
        reason = first.get("reason")
        detail = _reason({"error": reason})[1] if isinstance(reason, Mapping) else str(reason or "no reason given")
        where = f" (index {first['index']}, shard {first.get('shard')})" if "index" in first else ""
        return f"{shards['failed']} of {shards.get('total', '?')} shards failed{where}: {detail}"
    if response.get("timed_out") is True:
        return "the search timed out on the server, results are partial"
    return None


class Searcher:
    """Runs searches on one client with the configured timeout and retry policy."""

    def __init__(self, client: Elasticsearch, config: ElasticsearchSourceConfig) -> None:
        self.client = client.options(request_timeout=config.request_timeout_seconds)
        self.policy = RetryPolicy(config.retries, config.backoff_seconds)
        self.server_timeout = f"{max(1, int(config.request_timeout_seconds))}s"
        self.requests = 0

    def search(self, index: str, body: Mapping[str, Any], *, what: str, cluster: str) -> Mapping[str, Any]:
        """The response of one search; TransientError after the retries, PermanentError at once."""
        def retrying(error: TransientError, retry: int, delay: float) -> None:
            log.warning("%s for %s, retry %d of %d in %.1fs: %s", what, cluster, retry, self.policy.retries,
                        delay, error)

        return self.policy.run(lambda: self._once(index, body, what=what, cluster=cluster), retrying)

    def _once(self, index: str, body: Mapping[str, Any], *, what: str, cluster: str) -> Mapping[str, Any]:
        context = {"cluster": cluster, "index": index}
        self.requests += 1
        try:
            response = self.client.search(index=index, ignore_unavailable=True, allow_no_indices=True,
                                          timeout=self.server_timeout, **body)
        except TlsError as exc:
            raise PermanentError(f"{what}: TLS failed ({exc.message}); check ca_bundle and verify_certs",
                                 **context) from None
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise TransientError(f"{what}: {type(exc).__name__}: {exc.message}", **context) from None
        except ApiError as exc:
            kind, reason = _reason(exc.body)
            if exc.status_code in TRANSIENT_STATUS:
                raise TransientError(f"{what}: HTTP {exc.status_code} {kind}: {reason}", **context) from None
            if exc.status_code in (401, 403):
                raise PermanentError(f"{what}: HTTP {exc.status_code} {kind}: {reason}; check api_key or "
                                     "username/password and the role's read privilege on the indices",
                                     **context) from None
            raise SearchRefused(f"{what}: HTTP {exc.status_code} {kind}: {reason}", status=exc.status_code,
                                reason=f"{kind}: {reason}", **context) from None
        except TransportError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}: {exc.message}", **context) from None
        body_out = getattr(response, "body", response)
        if not isinstance(body_out, Mapping):
            raise DataError(f"{what}: expected a JSON object, got {type(body_out).__name__}", **context)
        partial = shard_failure(body_out)
        if partial is not None:
            raise PartialResults(f"{what}: partial results, {partial}", **context)
        return body_out
