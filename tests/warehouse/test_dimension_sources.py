"""Dimension rows from several sources: each updates only the columns it provides."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from warehouse.dimensions import read_dimension
from warehouse.load import upsert_dimension


def test_a_source_does_not_clear_columns_it_does_not_know(warehouse_engine: sa.Engine) -> None:
    # vSphere knows the VM and host of a node; Prometheus knows role, zone and capacity.
    upsert_dimension(warehouse_engine, "node", pd.DataFrame({
        "cluster_id": ["c1"], "node": ["w1"], "role": ["worker"], "vm_name": ["vm-w1"], "vsphere_host": ["esx-7"]}))
    upsert_dimension(warehouse_engine, "node", pd.DataFrame({
        "cluster_id": ["c1", "c1"], "node": ["w1", "w2"], "role": ["infra", "worker"], "zone": ["a", "b"],
        "cpu_cores": [16.0, 8.0]}))
    nodes = read_dimension(warehouse_engine, "node").set_index("node")
    assert nodes.at["w1", "vm_name"] == "vm-w1" and nodes.at["w1", "vsphere_host"] == "esx-7"
    assert nodes.at["w1", "role"] == "infra" and nodes.at["w1", "cpu_cores"] == 16.0
    assert pd.isna(nodes.at["w2", "vm_name"]) and nodes.at["w2", "zone"] == "b"
