"""OpenMetrics text of the simulated estate, for ``promtool tsdb create-blocks-from openmetrics``.

The writer turns the estate's dimension frames and hourly fact batches into the series an OpenShift
cluster's Prometheus holds (cAdvisor, kube-state-metrics, kubelet volume stats, the HAProxy router),
with the names and labels of OPENSHIFT-METRICS.md and a ``cluster`` label on every series, so a
collector tested against a backfilled Prometheus can be checked against the frames it came from.

Each cluster's samples are expanded a chunk of series at a time and appended to one temporary spool
file per family; the spools are then concatenated into the output, so memory is bounded by one
cluster's hourly rows and one chunk's samples, never by the total sample count.

Modules: ``writer`` (entry points, batches to clusters), ``pods`` and ``cluster_objects`` (which
series each fact table becomes), ``timeline`` (facts to samples on the step grid), ``spool`` (family
files and stats), ``format`` (text primitives), ``families`` (metric families and job labels),
``identifiers`` (deterministic uids, IPs, cgroups), ``cluster`` (one cluster's input).
"""

from testbed.formats.openmetrics.cluster_objects import SLI_BUCKET_S
from testbed.formats.openmetrics.families import FAMILIES, Family
from testbed.formats.openmetrics.format import sanitize_label_name, series_prefix
from testbed.formats.openmetrics.pods import (
    CFS_PERIODS_PER_SECOND,
    PAUSE_CPU_CORES,
    PAUSE_MEMORY_BYTES,
    POD_PHASES,
)
from testbed.formats.openmetrics.spool import OpenMetricsStats
from testbed.formats.openmetrics.timeline import HOUR_S, epoch_seconds
from testbed.formats.openmetrics.writer import (
    OPENMETRICS_TABLES,
    EstateLike,
    write_estate_openmetrics,
    write_openmetrics,
)

# Hourly rows expanded to samples at a time (about 1.2M samples at a 60 s step). The writer reads
# this attribute of the package when a write starts, so setting it here takes effect.
CHUNK_ROWS = 20_000

__all__ = [
    "CFS_PERIODS_PER_SECOND",
    "CHUNK_ROWS",
    "FAMILIES",
    "HOUR_S",
    "OPENMETRICS_TABLES",
    "PAUSE_CPU_CORES",
    "PAUSE_MEMORY_BYTES",
    "POD_PHASES",
    "SLI_BUCKET_S",
    "EstateLike",
    "Family",
    "OpenMetricsStats",
    "epoch_seconds",
    "sanitize_label_name",
    "series_prefix",
    "write_estate_openmetrics",
    "write_openmetrics",
]
