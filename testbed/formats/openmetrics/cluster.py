"""One cluster's input to the writer (fact tables, dimension rows, span), and frame access helpers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from common.windows import Window
from testbed.formats.openmetrics.identifiers import address
from testbed.formats.openmetrics.timeline import grid, unix

_UNKNOWN_NODE_IP = "10.0.0.1"  # a node in the facts without a dimension row


@dataclass
class ClusterInput:
    cluster: str
    tables: dict[str, pd.DataFrame]
    nodes: pd.DataFrame
    namespaces: pd.DataFrame
    span: Window
    step: int
    pods: pd.DataFrame = field(default_factory=pd.DataFrame)  # the cluster's ``pod`` dimension rows

    @cached_property
    def pod_labels(self) -> dict[tuple[str, str], dict[str, str]]:
        """(namespace, pod) -> Kubernetes labels, from the pod dimension's JSON ``labels``."""
        if not len(self.pods) or "labels" not in self.pods:
            return {}
        return {(str(ns), str(pod)): json.loads(raw) if isinstance(raw, str) and raw else {}
                for ns, pod, raw in zip(self.pods["namespace"], self.pods["pod"], self.pods["labels"], strict=True)}

    def frame(self, name: str) -> pd.DataFrame | None:
        """A fact table, or None when the cluster has no rows of it."""
        f = self.tables.get(name)
        return None if f is None or f.empty else f

    def labels(self, job: Mapping[str, str]) -> dict[str, str]:
        """The labels a series of scrape ``job`` starts with: ``cluster``, then the job's."""
        return {"cluster": self.cluster, **job}

    @cached_property
    def _node_ips(self) -> dict[str, str]:
        if not len(self.nodes):
            return {}
        return {n: address("10.0", self.cluster, n) for n in self.nodes["node"].astype(str)}

    def node_ip(self, node: str) -> str:
        return self._node_ips.get(node, _UNKNOWN_NODE_IP)

    def span_seconds(self) -> tuple[int, int]:
        return unix(self.span.start), unix(self.span.end)

    def span_grid(self) -> np.ndarray:
        """Grid points of the whole span, for objects that exist throughout it."""
        return grid(*self.span_seconds(), self.step)


def of_cluster(frame: pd.DataFrame | None, cluster: str) -> pd.DataFrame:
    """The rows of a dimension frame that belong to ``cluster`` (empty if there is no frame)."""
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[frame["cluster_id"].astype(str) == cluster].reset_index(drop=True)


def column(frame: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    """A numeric column as floats; ``default`` everywhere when the frame lacks it (optional facts)."""
    return frame[name].to_numpy(float) if name in frame else np.full(len(frame), default)


def strings(frame: pd.DataFrame, *names: str) -> list[np.ndarray]:
    return [frame[name].astype(str).to_numpy() for name in names]


def text(value: object, default: str = "") -> str:
    """A label value: ``default`` for a missing one (None, NaN, NA)."""
    return default if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA \
        else str(value)


def texts(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as label values, all empty when the frame lacks it."""
    return frame[name].map(text).to_numpy() if name in frame else np.full(len(frame), "")


def text_at(frame: pd.DataFrame, name: str, row: int, default: str) -> str:
    """Row ``row`` of an optional column as a label value."""
    return text(frame[name].iat[row] if name in frame else None, default)
