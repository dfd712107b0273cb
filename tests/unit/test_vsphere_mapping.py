"""VM to OpenShift node mapping: the simulated estate's truth, the SMBIOS byte-order quirk, names."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.vsphere_mapping import (
    RULE_NAME,
    RULE_SWAPPED,
    RULE_UUID,
    map_vms_to_nodes,
    match_vms,
    normal_uuid,
    swap_byte_order,
)
from estate import EstateConfig, SyntheticEstate


@pytest.fixture(scope="module")
def dims() -> dict[str, pd.DataFrame]:
    return SyntheticEstate(EstateConfig(profile="tiny", seed=42)).dimensions()


def test_estate_vms_map_to_the_estates_nodes(dims: dict[str, pd.DataFrame]) -> None:
    truth = dims["vsphere_vm"]
    blank = truth.assign(cluster_id=None, node=None)
    mapped = map_vms_to_nodes(blank, dims["node"])
    assert mapped["node"].notna().sum() == len(dims["node"])  # every node found, once
    pd.testing.assert_series_equal(mapped["node"].fillna("-"), truth["node"].fillna("-"), check_dtype=False)
    pd.testing.assert_series_equal(mapped["cluster_id"].fillna("-"), truth["cluster_id"].fillna("-"),
                                   check_dtype=False)
    assert set(match_vms(blank, dims["node"])["rule"].dropna()) == {RULE_UUID}


def test_byte_swapped_and_upper_case_provider_ids_match(dims: dict[str, pd.DataFrame]) -> None:
    nodes = dims["node"].copy()
    nodes["provider_id"] = ["vsphere://" + swap_byte_order(u).upper() for u in nodes["vm_uuid"]]
    nodes["node"] = nodes["node"] + ".internal"  # names no longer equal the VM names
    vms = dims["vsphere_vm"].assign(cluster_id=None, node=None)
    matched = match_vms(vms, nodes)
    is_node = dims["vsphere_vm"]["node"].notna()
    assert (matched.loc[is_node, "rule"] == RULE_SWAPPED).all()
    assert (matched.loc[is_node, "node"] == dims["vsphere_vm"].loc[is_node, "node"] + ".internal").all()
    assert matched.loc[~is_node, "node"].isna().all()


def test_name_fallback_only_for_unique_names() -> None:
    nodes = pd.DataFrame({"cluster_id": ["c1", "c2", "c1"], "node": ["worker-1", "worker-1", "Worker-2"],
                          "provider_id": [None, "", "not-a-uuid"]})
    vms = pd.DataFrame({"vm_uuid": ["11111111-2222-3333-4444-555555555555"] * 2, "vm_name": ["worker-1", "worker-2"],
                        "cluster_id": [None, None], "node": [None, None]})
    matched = match_vms(vms, nodes)
    assert pd.isna(matched.loc[0, "node"])  # two clusters have a worker-1: no guess
    assert (matched.loc[1, "cluster_id"], matched.loc[1, "node"], matched.loc[1, "rule"]) == ("c1", "Worker-2",
                                                                                            RULE_NAME)


def test_values_already_set_are_kept() -> None:
    nodes = pd.DataFrame({"cluster_id": ["c1"], "node": ["n1"], "provider_id": ["vsphere://aa"]})
    vms = pd.DataFrame({"vm_uuid": ["x"], "vm_name": ["n1"], "cluster_id": ["c9"], "node": ["other"]})
    out = map_vms_to_nodes(vms, nodes)
    assert (out.loc[0, "cluster_id"], out.loc[0, "node"]) == ("c9", "other")


def test_uuid_normalising_and_swapping() -> None:
    u = "421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
    assert swap_byte_order(u) == "3c2b1a42-5e4d-706f-8192-a3b4c5d6e7f8"
    assert swap_byte_order(swap_byte_order(u)) == u
    assert normal_uuid(f"vsphere://{u.upper()}") == u
    assert normal_uuid("vsphere:///" + u) == u
    assert normal_uuid("aws:///eu-west-1a/i-0abc") is None and normal_uuid(None) is None


def test_the_nodes_recorded_vm_name_also_matches() -> None:
    nodes = pd.DataFrame({"cluster_id": ["c1"], "node": ["worker-a.internal"], "provider_id": [None],
                          "vm_name": ["ocp-c1-worker-a"]})
    vms = pd.DataFrame({"vm_uuid": ["x"], "vm_name": ["OCP-C1-WORKER-A"], "cluster_id": [None], "node": [None]})
    out = map_vms_to_nodes(vms, nodes)
    assert (out.loc[0, "cluster_id"], out.loc[0, "node"]) == ("c1", "worker-a.internal")
