"""The shared retry policy: what it retries, how long it waits, and what it reports when it gives up."""

from __future__ import annotations

import pytest

from common.errors import PermanentError, TransientError
from common.retry import RetryPolicy


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_transient_failures_are_retried_with_doubling_jittered_waits() -> None:
    waits: list[float] = []
    told: list[int] = []
    work = Flaky(TransientError("down"), TransientError("down"), TransientError("down"))
    result = RetryPolicy(3, 2.0, waits.append).run(work, lambda _e, n, _d: told.append(n))
    assert result == "answer" and work.calls == 4 and told == [1, 2, 3]
    for n, wait in enumerate(waits):
        assert 0.75 * 2.0 * 2**n <= wait <= 1.25 * 2.0 * 2**n


def test_giving_up_raises_the_last_transient_error_with_the_attempts() -> None:
    waits: list[float] = []
    work = Flaky(*(TransientError("timed out", server="s") for _ in range(5)))
    with pytest.raises(TransientError) as raised:
        RetryPolicy(2, 0.1, waits.append).run(work)
    assert work.calls == 3 and len(waits) == 2
    assert raised.value.context == {"server": "s", "attempts": 3}
    assert str(raised.value) == "timed out (server=s, attempts=3)"


@pytest.mark.parametrize("error", [PermanentError("refused"), ValueError("a defect")])
def test_anything_not_transient_is_raised_at_once(error: Exception) -> None:
    waits: list[float] = []
    work = Flaky(error)
    with pytest.raises(type(error)):
        RetryPolicy(5, 0.1, waits.append).run(work)
    assert work.calls == 1 and waits == []


def test_no_retries_means_one_attempt() -> None:
    work = Flaky(TransientError("down"))
    with pytest.raises(TransientError, match="attempts=1"):
        RetryPolicy(0, 1.0, lambda _s: None).run(work)
    assert work.calls == 1
