"""Small hand-made fact frames for warehouse tests."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

T0 = datetime(2026, 9, 1)


def pod_rows(cluster: str, start: datetime, hours: int, pods: int = 3, source: str = "synthetic",
             scale: float = 1.0) -> pd.DataFrame:
    hour = pd.date_range(start, periods=hours, freq="h").repeat(pods)
    n = len(hour)
    return pd.DataFrame({
        "hour": hour, "source": source, "cluster_id": cluster, "namespace": "ns",
        "pod": [f"pod-{i % pods}" for i in range(n)], "node": "w1", "workload": "app",
        "workload_kind": "Deployment", "pod_seconds": 3600.0,
        "cpu_usage_core_seconds": scale * (np.arange(n) % 7 + 1.0), "cpu_request_core_seconds": 1800.0,
        "cpu_limit_core_seconds": None, "memory_usage_byte_seconds": scale * 1e9,
        "memory_request_byte_seconds": 2e9, "memory_limit_byte_seconds": None,
        "cpu_throttled_seconds": 0.0, "oom_kills": 0,
    })
