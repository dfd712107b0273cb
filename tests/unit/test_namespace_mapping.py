"""Namespace to sector mapping: precedence and the explicit unmapped case."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics.namespace_mapping import NamespaceMappingConfig, resolve_namespaces

CLUSTERS = pd.DataFrame({"cluster_id": ["cti-1", "shared-1"], "owner_sector_id": ["CTI", None]})


def ns(cluster: str, name: str, labels: dict[str, str] | None) -> dict[str, object]:
    return {"cluster_id": cluster, "namespace": name, "labels": json.dumps(labels) if labels is not None else None}


def resolve(rows: list[dict[str, object]]) -> pd.DataFrame:
    return resolve_namespaces(pd.DataFrame(rows), CLUSTERS, {"CTI", "ICG"}, NamespaceMappingConfig()).set_index(
        "namespace"
    )


def test_precedence_label_then_owner_then_unmapped() -> None:
    out = resolve([
        ns("cti-1", "pay", {"ecs/sector": "ICG", "ecs/application": "payments", "ecs/cost-centre": "CC1"}),
        ns("cti-1", "bare", {}),
        ns("shared-1", "orphan", None),
        ns("shared-1", "typo", {"ecs/sector": "ICX"}),
        ns("cti-1", "typo-owned", {"ecs/sector": "ICX"}),
        ns("shared-1", "openshift-monitoring", {}),
    ])
    assert out.loc["pay", ["sector_id", "application", "cost_centre", "mapping_rule"]].tolist() == [
        "ICG", "payments", "CC1", "label"]
    assert out.loc["bare", ["sector_id", "mapping_rule"]].tolist() == ["CTI", "cluster-owner"]
    assert pd.isna(out.loc["orphan", "sector_id"])
    assert out.loc["orphan", "mapping_rule"] == "unmapped"
    assert pd.isna(out.loc["typo", "sector_id"])
    assert out.loc["typo", "mapping_rule"] == "unknown-sector-label"
    assert out.loc["typo-owned", ["sector_id", "mapping_rule"]].tolist() == ["CTI", "unknown-sector-label"]
    assert bool(out.loc["openshift-monitoring", "is_platform"]) is True
    assert bool(out.loc["pay", "is_platform"]) is False


def test_bad_labels_name_the_namespace() -> None:
    with pytest.raises(ValueError, match="cti-1/broken"):
        resolve([{"cluster_id": "cti-1", "namespace": "broken", "labels": "{not json"}])


def test_empty_input() -> None:
    out = resolve_namespaces(pd.DataFrame(columns=["cluster_id", "namespace", "labels"]), CLUSTERS, set(),
                             NamespaceMappingConfig())
    assert out.empty
    assert {"sector_id", "mapping_rule"} <= set(out.columns)
