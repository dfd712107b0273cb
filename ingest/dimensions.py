"""Dimension batches on load: namespaces resolved to sectors, VMs matched to OpenShift nodes."""

from __future__ import annotations

import sqlalchemy as sa

from analytics.namespace_mapping import NamespaceMappingConfig, resolve_namespaces
from analytics.vsphere_mapping import map_vms_to_nodes
from collectors.base import Batch
from warehouse import load
from warehouse.dimensions import read_dimension


def load_dimension(engine: sa.Engine, batch: Batch, mapping: NamespaceMappingConfig) -> int:
    """Upsert dimension rows; a namespace batch is first resolved to sectors from its labels."""
    frame = batch.frame
    if batch.table == "namespace" and len(frame):
        clusters = read_dimension(engine, "cluster")
        sectors = set(read_dimension(engine, "sector")["sector_id"])
        frame = resolve_namespaces(frame, clusters, sectors, mapping)
    if batch.table == "vsphere_vm" and len(frame):  # which VMs are OpenShift nodes
        frame = map_vms_to_nodes(frame, read_dimension(engine, "node"))
    return load.upsert_dimension(engine, batch.table, frame)
