"""Benchmarks run by ``ecs-insight bench NAME``; each returns one JSON-able dict.

Every benchmark times a baseline in the same process on the same data, so the ratio holds on a
noisy machine. Benchmarks are not tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common.errors import ConfigError

BenchResult = dict[str, Any]


def _registry() -> dict[str, Callable[..., BenchResult]]:
    from bench.chargeback import run as chargeback
    from bench.elasticsearch import run as collect_elasticsearch
    from bench.load import run as load
    from bench.prometheus import run as collect_prometheus
    from bench.vsphere import run as collect_vsphere

    return {"load": load, "collect-prometheus": collect_prometheus, "collect-vsphere": collect_vsphere,
            "collect-elasticsearch": collect_elasticsearch, "chargeback": chargeback}


def names() -> list[str]:
    return sorted(_registry())


def run_benchmark(name: str, profile: str, **options: Any) -> BenchResult:
    registry = _registry()
    if name not in registry:
        raise ConfigError(f"no benchmark named {name!r}; expected one of {', '.join(sorted(registry))}")
    return registry[name](profile=profile, **options)
