"""The registry of data sources: name -> how to build its collector from the settings.

Every source is collected the same way (``ecs-insight collect NAME``, the scheduler): the job asks
the registry for the collector and loads what it yields through ``ingest`` (one run per scope and slice). A source
adds itself here with one factory; a factory returns None when the source is not configured.
"""

from __future__ import annotations

from collections.abc import Callable

from collectors.base import Collector
from common.errors import ConfigError
from ecs_insight.settings import Settings
from estate import SyntheticEstate, SyntheticSource

CollectorFactory = Callable[[Settings], Collector | None]


def _synthetic(settings: Settings) -> Collector | None:
    cfg = settings.sources.synthetic
    return SyntheticSource(SyntheticEstate(cfg)) if cfg is not None else None


def _vsphere(settings: Settings) -> Collector | None:
    cfg = settings.sources.vsphere
    if cfg is None:
        return None
    from collectors.vsphere.collector import VSphereCollector  # pyvmomi only when configured

    return VSphereCollector(cfg)


def _prometheus(settings: Settings) -> Collector | None:
    cfg = settings.sources.prometheus
    if cfg is None:
        return None
    from collectors.prometheus import PrometheusCollector

    m = settings.mapping  # the mapping's label keys are restored from kube-state-metrics' sanitised names
    return PrometheusCollector(cfg, label_keys=[m.sector_label, m.application_label, m.cost_centre_label])


def _elasticsearch(settings: Settings) -> Collector | None:
    cfg = settings.sources.elasticsearch
    if cfg is None:
        return None
    from collectors.elasticsearch.collector import make_collector

    return make_collector(cfg)


SOURCES: dict[str, CollectorFactory] = {
    "synthetic": _synthetic,
    "prometheus": _prometheus,
    "elasticsearch": _elasticsearch,
    "vsphere": _vsphere,
}


def build_collector(name: str, settings: Settings) -> Collector:
    """The configured collector of source ``name``; ConfigError says what is missing."""
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r}; expected one of {', '.join(sorted(SOURCES))}")
    collector = SOURCES[name](settings)
    if collector is None:
        raise ConfigError(f"source {name!r} is not configured", field=f"sources.{name}")
    return collector


def configured_sources(settings: Settings) -> dict[str, Collector]:
    """Every source that the settings turn on, built."""
    built = {name: factory(settings) for name, factory in SOURCES.items()}
    return {name: collector for name, collector in built.items() if collector is not None}
