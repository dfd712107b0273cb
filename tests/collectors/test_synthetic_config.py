"""Settings and profile sizes of the simulated estate (structure only, no facts generated)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import ValidationError

from estate import EstateConfig, SyntheticEstate
from estate.catalogue import LABEL_APPLICATION, LABEL_COST_CENTRE, LABEL_SECTOR


def test_every_setting_is_documented() -> None:
    for name, field in EstateConfig.model_fields.items():
        assert field.description, f"EstateConfig.{name} has no description"


def test_unknown_settings_are_rejected() -> None:
    with pytest.raises(ValidationError):
        EstateConfig(profile="tiny", sede=1)


def test_start_must_be_on_an_hour() -> None:
    with pytest.raises(ValidationError):
        EstateConfig(start=datetime(2026, 9, 1, 0, 30))


def test_overrides_apply() -> None:
    e = SyntheticEstate(EstateConfig(profile="tiny", start=datetime(2027, 1, 1), days=2, container_facts=False))
    assert e.window.start == datetime(2027, 1, 1)
    assert e.window.hours() == 48
    assert not e.spec.container_facts
    assert e.source == "synthetic"


def test_demo_profile_sizes() -> None:
    e = SyntheticEstate(EstateConfig(profile="demo", seed=42))
    dims = e.dimensions()
    assert set(dims["sector"]["sector_id"]) == {"CTI", "ICG", "PBWM", "GFTS"}
    clusters = dims["cluster"]
    assert len(clusters) == 8
    assert clusters["shared"].sum() == 2
    assert clusters.loc[clusters["shared"], "owner_sector_id"].isna().all()
    assert clusters.loc[~clusters["shared"], "owner_sector_id"].notna().all()
    assert clusters["vcenter"].nunique() == 2
    assert set(dims["node"]["zone"]) == {"zone-a", "zone-b"}
    assert 180 <= len(dims["namespace"]) <= 220
    assert 2800 <= e.truth.workload_sizing()["replicas"].sum() <= 3200
    assert e.window.start == datetime(2026, 9, 1)
    assert e.window.hours() == 60 * 24
    assert {w.start.month for w in e.window.months()} == {9, 10}


def test_tiny_profile_sizes() -> None:
    e = SyntheticEstate(EstateConfig(profile="tiny"))
    dims = e.dimensions()
    assert len(dims["sector"]) == 2
    assert len(dims["cluster"]) == 3 and dims["cluster"]["shared"].sum() == 1
    assert dims["cluster"]["vcenter"].nunique() == 2
    assert 60 <= e.truth.workload_sizing()["replicas"].sum() <= 100
    assert e.window.hours() == 72


@pytest.mark.slow
def test_enterprise_profile_sizes() -> None:
    e = SyntheticEstate(EstateConfig(profile="enterprise"))
    dims = e.dimensions()
    assert len(dims["sector"]) >= 10
    assert len(dims["cluster"]) == 40
    assert len(dims["namespace"]) == 2000
    pods = e.truth.workload_sizing()["replicas"].sum()
    assert 58_000 <= pods <= 62_000
    assert not e.spec.container_facts
    assert 40e6 <= e.truth.row_counts(e.window)["pod_usage_hourly"] <= 46e6


def test_namespaces_platform_labels_and_unlabelled() -> None:
    e = SyntheticEstate(EstateConfig(profile="demo"))
    ns = e.dimensions()["namespace"]


    labels = ns["labels"].map(json.loads)
    for cluster, group in ns.groupby("cluster_id"):
        names = set(group["namespace"])
        assert {"openshift-monitoring", "openshift-ingress", "openshift-logging", "kube-system"} <= names, cluster
    platform = ns["namespace"].str.startswith(("openshift-", "kube-"))
    assert (ns["is_platform"] == platform).all()
    tenant_labels = labels[~platform]
    labelled = tenant_labels.map(lambda d: LABEL_SECTOR in d)
    assert labelled.all() or 0.02 <= 1 - labelled.mean() <= 0.12
    assert all({LABEL_SECTOR, LABEL_APPLICATION, LABEL_COST_CENTRE} <= set(d) for d in tenant_labels[labelled])
    # Resolution is the loading job's: the estate leaves the resolved columns empty.
    assert ns[["sector_id", "application", "cost_centre", "mapping_rule"]].isna().all().all()


def test_expected_mapping_rules() -> None:
    e = SyntheticEstate(EstateConfig(profile="demo"))
    clusters = e.dimensions()["cluster"].set_index("cluster_id")
    m = e.truth.expected_namespace_mapping()
    ns = e.dimensions()["namespace"].set_index(["cluster_id", "namespace"])


    shared_unlabelled = 0
    for row in m.itertuples():
        labels = json.loads(ns.loc[(row.cluster_id, row.namespace), "labels"])
        owner = clusters.loc[row.cluster_id, "owner_sector_id"]
        if LABEL_SECTOR in labels:
            assert row.sector_id == labels[LABEL_SECTOR]
            assert row.application == labels[LABEL_APPLICATION]
        elif clusters.loc[row.cluster_id, "shared"]:
            assert row.sector_id is None
            shared_unlabelled += not row.is_platform
        else:
            assert row.sector_id == owner
    assert shared_unlabelled >= 1


def test_nodes_are_vsphere_vms() -> None:
    e = SyntheticEstate(EstateConfig(profile="tiny"))
    d = e.dimensions()
    nodes, vms, hosts = d["node"], d["vsphere_vm"], d["vsphere_host"]
    assert (nodes["provider_id"] == "vsphere://" + nodes["vm_uuid"]).all()
    assert nodes["node"].str.fullmatch(r".+-(master|infra|worker)-\d{2}").all()
    for cluster, group in nodes.groupby("cluster_id"):
        roles = group["role"].value_counts()
        assert roles["master"] == 3 and roles["infra"] == 3 and roles["worker"] >= 2, cluster
    joined = nodes.merge(vms, on="vm_uuid", suffixes=("", "_vm"))
    assert len(joined) == len(nodes)
    assert (joined["cluster_id"] == joined["cluster_id_vm"]).all()
    assert (joined["vsphere_host"] == joined["host"]).all()
    assert set(vms["host"]) <= set(hosts["host"])
    assert vms["cluster_id"].isna().any()  # a few VMs are not OpenShift nodes
