"""Object names as OpenShift and vSphere spell them: pod suffixes, PV names, VM UUIDs."""

from __future__ import annotations

import uuid

import numpy as np

from estate.randomness import hash_keys

# Kubernetes generates name suffixes from consonants and digits only (no vowels, no look-alikes).
_ALPHABET = np.frombuffer(b"bcdfghjklmnpqrstvwxz2456789", dtype=np.uint8)
_BASE = np.uint64(len(_ALPHABET))


def suffixes(keys: np.ndarray, length: int) -> np.ndarray:
    """Kubernetes-style random-looking suffixes, each a pure function of its uint64 key."""
    value = hash_keys(np.asarray(keys, dtype=np.uint64), length)
    chars = np.empty((value.size, length), dtype=np.uint8)
    for i in range(length):
        chars[:, i] = _ALPHABET[(value % _BASE).astype(np.int64)]
        value = value // _BASE
    return chars.view(f"S{length}").ravel().astype(str)


def pod_names(kind: np.ndarray, workload: np.ndarray, ordinal: np.ndarray, workload_key: np.ndarray,
              slot_key: np.ndarray, generation: np.ndarray) -> list[str]:
    """The pod each (replica slot, rollout generation) runs, element-wise.

    Deployments: <name>-<replicaset hash>-<5 chars>, the hash changing at each rollout;
    DeploymentConfigs: <name>-<version>-<5 chars>; StatefulSets keep <name>-<ordinal>.
    """
    gen = np.asarray(generation, dtype=np.int64)
    tail = suffixes(hash_keys(slot_key, gen.astype(np.uint64), 7), 5)
    rs = suffixes(hash_keys(workload_key, gen.astype(np.uint64), 9), 10)
    out = []
    for k, w, o, g, t, r in zip(kind, workload, ordinal, gen, tail, rs, strict=True):
        if k == "StatefulSet":
            out.append(f"{w}-{o}")
        elif k == "DeploymentConfig":
            out.append(f"{w}-{g + 1}-{t}")
        else:
            out.append(f"{w}-{r}-{t}")
    return out


def stable_uuid(*keys: int) -> str:
    """A UUID (version 4 layout) derived from integer keys, for VM and PV identities."""
    hi = int(hash_keys(*keys, 1))
    lo = int(hash_keys(*keys, 2))
    return str(uuid.UUID(int=(hi << 64) | lo, version=4))
