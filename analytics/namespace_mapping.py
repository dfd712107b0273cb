"""Resolve each namespace to a sector, application and cost centre from its labels.

Precedence: a known sector in the namespace's sector label; else the owning sector of a dedicated
cluster; else nothing (the namespace's cost lands in an explicit unallocated bucket downstream,
never dropped). Platform namespaces are flagged so cost models can distribute them.
"""

from __future__ import annotations

import fnmatch
import json

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

RULE_LABEL = "label"
RULE_CLUSTER_OWNER = "cluster-owner"
RULE_UNKNOWN_SECTOR = "unknown-sector-label"
RULE_UNMAPPED = "unmapped"


class NamespaceMappingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sector_label: str = Field(default="ecs/sector",
                              description="Namespace label whose value is the owning sector's id.")
    application_label: str = Field(default="ecs/application",
                                   description="Namespace label naming the application.")
    cost_centre_label: str = Field(default="ecs/cost-centre",
                                   description="Namespace label naming the cost centre.")
    platform_namespaces: list[str] = Field(
        default=["openshift-*", "kube-*", "openshift", "default"],
        description="Glob patterns of platform namespaces (shared cost, not a tenant's).",
    )

    @field_validator("sector_label", "application_label", "cost_centre_label")
    @classmethod
    def _label_key(cls, value: str) -> str:
        # An empty key matches no label: every namespace would fall to its cluster's owner unnoticed.
        if not value.strip():
            raise ValueError("a label key may not be empty")
        return value


def is_platform(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def resolve_namespaces(namespaces: pd.DataFrame, clusters: pd.DataFrame, known_sectors: set[str],
                       config: NamespaceMappingConfig) -> pd.DataFrame:
    """``namespaces`` (cluster_id, namespace, labels JSON) with resolved columns filled in.

    ``clusters`` needs cluster_id and owner_sector_id. Returns a copy with sector_id, application,
    cost_centre, is_platform and mapping_rule set.
    """
    owned = clusters[clusters["owner_sector_id"].notna()]
    owners = dict(zip(owned["cluster_id"], owned["owner_sector_id"], strict=True))
    out = namespaces.copy()
    resolved = [
        _resolve_one(row.cluster_id, row.namespace, row.labels, owners, known_sectors, config)
        for row in out.itertuples(index=False)
    ]
    for column, values in zip(("sector_id", "application", "cost_centre", "is_platform", "mapping_rule"),
                              zip(*resolved, strict=True) if resolved else ((),) * 5, strict=True):
        out[column] = list(values)
    return out


def _resolve_one(cluster_id: str, name: str, labels_json: str | None, owners: dict[str, str | None],
                 known_sectors: set[str], config: NamespaceMappingConfig
                 ) -> tuple[str | None, str | None, str | None, bool, str]:
    labels = _parse_labels(labels_json, cluster_id, name)
    platform = is_platform(name, config.platform_namespaces)
    application = labels.get(config.application_label)
    cost_centre = labels.get(config.cost_centre_label)
    labelled = labels.get(config.sector_label)
    owner = owners.get(cluster_id)
    if labelled and labelled in known_sectors:
        return labelled, application, cost_centre, platform, RULE_LABEL
    if owner:
        rule = RULE_UNKNOWN_SECTOR if labelled else RULE_CLUSTER_OWNER
        return owner, application, cost_centre, platform, rule
    return None, application, cost_centre, platform, RULE_UNKNOWN_SECTOR if labelled else RULE_UNMAPPED


def _parse_labels(labels_json: str | None, cluster_id: str, name: str) -> dict[str, str]:
    if labels_json is None or (isinstance(labels_json, float) and pd.isna(labels_json)) or labels_json == "":
        return {}
    try:
        labels = json.loads(labels_json)
    except json.JSONDecodeError as exc:
        raise ValueError(f"labels of namespace {cluster_id}/{name} are not JSON: {exc}") from None
    if not isinstance(labels, dict):
        raise ValueError(f"labels of namespace {cluster_id}/{name} are not a JSON object")
    return {str(k): str(v) for k, v in labels.items()}
