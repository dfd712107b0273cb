"""Benchmarks run by ``ecs-insight bench NAME``; each returns one JSON-able dict.

Every benchmark times a baseline in the same process on the same data, so the ratio holds on a
noisy machine. Benchmarks are not tests.

What benchmarks need beyond the product (the test servers' process handling, noida-db) is the
``bench`` extra; a benchmark that meets a missing package says to install it. Each benchmark's
module is imported only when it runs, so one benchmark's missing package does not stop the others.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from common.errors import ConfigError, PermanentError

BenchResult = dict[str, Any]

BENCH_EXTRA_INSTALL = "pip install 'ecs-insight[bench]'"

# Benchmark name -> the module whose ``run(profile=..., **options)`` it is.
_MODULES = {
    "load": "bench.load",
    "collect-prometheus": "bench.prometheus",
    "collect-vsphere": "bench.vsphere",
    "collect-elasticsearch": "bench.elasticsearch",
    "chargeback": "bench.chargeback",
}


def names() -> list[str]:
    return sorted(_MODULES)


def run_benchmark(name: str, profile: str, **options: Any) -> BenchResult:
    if name not in _MODULES:
        raise ConfigError(f"no benchmark named {name!r}; expected one of {', '.join(names())}")
    try:
        run: Callable[..., BenchResult] = importlib.import_module(_MODULES[name]).run
        return run(profile=profile, **options)
    except ModuleNotFoundError as exc:
        missing = _missing_distribution(exc)
        if missing is None:
            raise
        raise PermanentError(f"benchmark {name!r} needs the Python package {missing!r}, which is not "
                             f"installed: install the bench extra ({BENCH_EXTRA_INSTALL})") from exc


def _missing_distribution(exc: ModuleNotFoundError) -> str | None:
    """The top-level package a failed import lacks, when that package is not installed at all.

    A missing module inside a package that is there (one of ours, or a dependency's) is a bug, not
    a missing extra: ``None`` then, and the error goes up as it is.
    """
    top = (exc.name or "").partition(".")[0]
    if not top or importlib.util.find_spec(top) is not None:
        return None
    return top
