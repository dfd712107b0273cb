"""OpenMetrics text primitives: label names and values, sample lines, family headers."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from testbed.formats.openmetrics.families import Family

EOF_LINE = "# EOF\n"

_LABEL_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def sanitize_label_name(key: str) -> str:
    """A Kubernetes label key as kube-state-metrics exposes it: ``label_`` + key, invalid chars → ``_``."""
    return "label_" + _LABEL_NAME_INVALID.sub("_", key)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def series_prefix(metric: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    return f"{metric}{{{inner}}}"


def sample_lines(prefix: str, t: np.ndarray, v: np.ndarray) -> str:
    """One ``prefix value timestamp`` line per sample; ``repr`` keeps every float exact through promtool."""
    return "".join([f"{prefix} {x!r} {s}\n" for x, s in zip(v.tolist(), t.tolist(), strict=True)])


def family_header(family: Family) -> str:
    return f"# HELP {family.name} {family.help}\n# TYPE {family.name} {family.type}\n"
