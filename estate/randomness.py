"""Counter-based randomness: every draw is a hash of (seed, stream, entity, step).

A sequential generator would make an hour's values depend on how many hours were drawn before
it, so collecting [a, c) would differ from [a, b) + [b, c). Hashing the coordinates instead makes
each value a pure function of where it sits, whatever window is asked for.
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (wrapping arithmetic is intended)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return x ^ (x >> _S31)


def hash_keys(*parts: np.ndarray | int) -> np.ndarray:
    """One uint64 per broadcast position of ``parts`` (ints or integer arrays, non-negative)."""
    h = mix64(np.uint64(0x5EED))
    for part in parts:
        p = np.asarray(part).astype(np.uint64)
        h = mix64(h ^ p)
    return h


def uniform(seed: int, stream: int, entity: np.ndarray | int, step: np.ndarray | int = 0) -> np.ndarray:
    """Uniform floats in [0, 1) for each broadcast (entity, step); streams keep draws independent."""
    h = hash_keys(seed, stream, entity, step)
    return (h >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def string_key(text: str) -> int:
    """A stable 63-bit integer for a name (Python's hash() is salted per process, so not that)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


# Stream numbers: one per kind of draw, so adding a new draw never shifts existing ones.
CPU_NOISE = 1
MEM_NOISE = 2
MEM_SPIKE = 3
OOM_COUNT = 4
CPU_PEAK = 5
SIDECAR = 6
LOG_DOCS = 10
LOG_ERRORS = 11
LOG_WARNINGS = 12
SLI_TOTAL = 20
SLI_BAD = 21
SLI_SLOW = 22
VM_NOISE = 30
VM_READY = 31
DATASTORE = 32
PVC_USAGE = 33
PVC_BASE = 34
PLACEMENT = 35
POD_LABELS = 36
