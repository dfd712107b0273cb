"""The warehouse schema: dimensions, hourly facts, SLI buckets, collection runs and results.

One module per domain (:mod:`~warehouse.schema.dimensions`, :mod:`~warehouse.schema.usage`,
:mod:`~warehouse.schema.logs`, :mod:`~warehouse.schema.sli`, :mod:`~warehouse.schema.vsphere`,
:mod:`~warehouse.schema.runs`, :mod:`~warehouse.schema.chargeback`), all on the one
:data:`metadata` of :mod:`~warehouse.schema.base`. Every public name is re-exported here: import
tables from ``warehouse.schema``.

Conventions (docs/architecture.md):
- every fact row carries ``source`` and ``cluster_id`` (or ``vcenter``) and a UTC time key
  (``hour`` or ``bucket_start``), so re-collecting a (source, cluster, window) slice replaces
  exactly that slice and the tables partition naturally by month and cluster;
- CPU in core-seconds and memory in byte-seconds per interval; core-hours and GiB-hours are
  derived in queries;
- fact tables have no primary key (uniqueness comes from slice replacement; a unique index would
  slow bulk loads by an order of magnitude on DuckDB); PostgreSQL gets a (cluster, time) index for
  the slice deletes and range reads.
"""

from __future__ import annotations

from warehouse.schema.base import Money, UtcTimestamp, metadata
from warehouse.schema.chargeback import (
    chargeback_entitlement,
    chargeback_namespace_efficiency,
    chargeback_result,
    chargeback_statement,
    chargeback_statement_line,
    chargeback_statement_pool,
)
from warehouse.schema.dimensions import cluster, namespace, node, pod, sector, workload
from warehouse.schema.logs import log_volume_hourly
from warehouse.schema.registry import DIMENSION_TABLES, FACT_TABLES, scope_column, time_column
from warehouse.schema.runs import collection_run, collection_run_id_seq
from warehouse.schema.sli import sli_5m
from warehouse.schema.usage import (
    container_usage_hourly,
    node_hourly,
    pod_usage_daily,
    pod_usage_hourly,
    pvc_hourly,
)
from warehouse.schema.vsphere import (
    datastore,
    datastore_hourly,
    vsphere_host,
    vsphere_host_hourly,
    vsphere_vm,
    vsphere_vm_hourly,
)

__all__ = [
    "DIMENSION_TABLES",
    "FACT_TABLES",
    "Money",
    "UtcTimestamp",
    "chargeback_entitlement",
    "chargeback_namespace_efficiency",
    "chargeback_result",
    "chargeback_statement",
    "chargeback_statement_line",
    "chargeback_statement_pool",
    "cluster",
    "collection_run",
    "collection_run_id_seq",
    "container_usage_hourly",
    "datastore",
    "datastore_hourly",
    "log_volume_hourly",
    "metadata",
    "namespace",
    "node",
    "node_hourly",
    "pod",
    "pod_usage_daily",
    "pod_usage_hourly",
    "pvc_hourly",
    "scope_column",
    "sector",
    "sli_5m",
    "time_column",
    "vsphere_host",
    "vsphere_host_hourly",
    "vsphere_vm",
    "vsphere_vm_hourly",
    "workload",
]
