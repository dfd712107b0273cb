"""Retrying work that failed transiently: bounded attempts, exponential backoff with jitter.

Every collector classifies its own client's failures into TransientError or PermanentError; this
module only acts on that split, so all sources back off and give up the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from common.errors import TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` more attempts after the first, waiting ``backoff_seconds`` x 2^n (+-25 %) before each."""

    retries: int
    backoff_seconds: float
    sleep: Callable[[float], None] = time.sleep

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first); jittered so that clusters
        failing together do not come back at one instant."""
        return self.backoff_seconds * 2 ** retry * (0.75 + 0.5 * random.random())

    def run(self, attempt: Callable[[], T],
            on_retry: Callable[[TransientError, int, float], None] | None = None) -> T:
        """``attempt()``'s result; a PermanentError (or anything not transient) at once, the last
        TransientError once the retries are spent, with ``attempts`` added to its context.

        ``on_retry(error, retry_number, delay)`` is told of each retry before the wait (for logs and counts).
        """
        retry = 0
        while True:
            try:
                return attempt()
            except TransientError as error:
                if retry >= self.retries:
                    error.context["attempts"] = retry + 1
                    error.args = (str(error),)
                    raise
                delay = self.delay(retry)
                if on_retry is not None:
                    on_retry(error, retry + 1, delay)
                retry += 1
                self.sleep(delay)
