"""Which vSphere VM is which OpenShift node, so node cost and host contention join pod data.

A node's ``spec.providerID`` is ``vsphere://<UUID>``: the VM's BIOS UUID as the guest reads it
from SMBIOS. Guests on older virtual hardware read the first three UUID fields in little-endian
order, so the providerID can be the vCenter's ``config.uuid`` with those fields byte-swapped.
Matching order: the UUID as written, then the byte-swapped UUID, then the VM's name equal to the
node's name or to the node's recorded ``vm_name`` (only when that name is unique among the nodes).
A VM that matches nothing is not a node (an appliance, a bastion, another platform's VM) and keeps
NULL cluster and node. The vSphere collector sends the inventory with every window, so a VM whose
node was loaded after it is mapped on the next collection.
"""

from __future__ import annotations

import re

import pandas as pd

PROVIDER_PREFIX = "vsphere://"
RULE_UUID = "provider-uuid"
RULE_SWAPPED = "provider-uuid-byte-swapped"
RULE_NAME = "node-name"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def normal_uuid(value: object) -> str | None:
    """Lower-case UUID from a providerID or a UUID string; None when it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.startswith(PROVIDER_PREFIX):
        text = text[len(PROVIDER_PREFIX):]
    text = text.strip("/")
    return text if _UUID.match(text) else None


def swap_byte_order(uuid: str) -> str:
    """The UUID with its first three fields byte-reversed (SMBIOS little-endian reading)."""
    a, b, c, d, e = uuid.split("-")

    def rev(field: str) -> str:
        return "".join(reversed([field[i:i + 2] for i in range(0, len(field), 2)]))

    return "-".join((rev(a), rev(b), rev(c), d, e))


def match_vms(vms: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """For each VM (``vm_uuid``, ``vm_name``), the node it is: cluster_id, node and the rule used.

    ``nodes`` needs cluster_id, node and provider_id. Returns one row per VM, in ``vms`` order,
    with NULL cluster_id/node/rule where nothing matches.
    """
    by_uuid: dict[str, tuple[str, str]] = {}
    for row in nodes.itertuples(index=False):
        uuid = normal_uuid(getattr(row, "provider_id", None))
        if uuid is not None:
            by_uuid.setdefault(uuid, (row.cluster_id, row.node))
    pairs: list[tuple[str, tuple[str, str]]] = []
    for column in ("node", "vm_name"):
        if column in nodes.columns:
            for name, c, n in zip(nodes[column], nodes["cluster_id"], nodes["node"], strict=True):
                if isinstance(name, str) and name:
                    pairs.append((name.lower(), (c, n)))
    owners: dict[str, set[tuple[str, str]]] = {}
    for name, owner in pairs:
        owners.setdefault(name, set()).add(owner)
    by_name = {name: next(iter(found)) for name, found in owners.items() if len(found) == 1}
    out = []
    for uuid_value, name in zip(vms["vm_uuid"], vms["vm_name"], strict=True):
        uuid = normal_uuid(uuid_value)
        found, rule = None, None
        if uuid is not None and uuid in by_uuid:
            found, rule = by_uuid[uuid], RULE_UUID
        elif uuid is not None and swap_byte_order(uuid) in by_uuid:
            found, rule = by_uuid[swap_byte_order(uuid)], RULE_SWAPPED
        elif isinstance(name, str) and name.lower() in by_name:
            found, rule = by_name[name.lower()], RULE_NAME
        out.append((found[0] if found else None, found[1] if found else None, rule))
    return pd.DataFrame(out, columns=["cluster_id", "node", "rule"], index=vms.index)


def map_vms_to_nodes(vms: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """``vms`` with cluster_id and node filled where the VM is a known node; set values are kept."""
    out = vms.copy()
    if out.empty or nodes.empty:
        return out
    matched = match_vms(out, nodes)
    for column in ("cluster_id", "node"):
        current = out[column] if column in out.columns else pd.Series(None, index=out.index, dtype=object)
        out[column] = current.where(current.notna(), matched[column]).astype(object)
    return out
