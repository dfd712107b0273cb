"""One root error type, with context, and a transient/permanent split the scheduler acts on."""

from __future__ import annotations

from typing import Any


class InsightError(Exception):
    """Root of every error the project raises on purpose.

    ``context`` names what the error is about (file, field, series, cluster, window...), so a
    message can always say where the problem is. ``transient`` tells a scheduler whether trying
    the same work again later can succeed.
    """

    transient: bool = False

    def __init__(self, message: str, **context: Any) -> None:
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if not self.context:
            return self.message
        where = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return f"{self.message} ({where})"


class TransientError(InsightError):
    """Worth retrying: a timeout, a 5xx, a server restarting."""

    transient = True


class PermanentError(InsightError):
    """Retrying the same input fails the same way: bad data, bad config, a 4xx."""


class ConfigError(PermanentError):
    """A configuration file or value is wrong."""


class DataError(PermanentError):
    """Input data is malformed or inconsistent."""
