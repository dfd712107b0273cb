"""Checking the URLs of HTTP APIs in settings: a typo must fail at start, not be retried as an outage."""

from __future__ import annotations

from urllib.parse import urlsplit


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL with a host (and a valid port, if any); ValueError otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    try:
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    if not parts.hostname:
        raise ValueError(f"{value!r} names no host")
    del port
    return value.strip()
