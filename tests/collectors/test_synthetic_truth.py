"""The estate's ground truth agrees with the facts it emits."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from common.windows import Window
from estate import EstateConfig, SyntheticEstate


def _estate() -> SyntheticEstate:
    # Crosses a month boundary, so a month's truth must leave out the other month's hours.
    return SyntheticEstate(EstateConfig(profile="tiny", seed=5, start=datetime(2026, 9, 29), days=4))


def test_effective_usage_equals_the_sum_over_batches() -> None:
    e = _estate()
    pods = pd.concat([b.frame for b in e.collect(e.window, {"pod_usage_hourly"})], ignore_index=True)
    for month, lo, hi in (("2026-09", datetime(2026, 9, 1), datetime(2026, 10, 1)),
                          ("2026-10", datetime(2026, 10, 1), datetime(2026, 11, 1))):
        p = pods[(pods["hour"] >= pd.Timestamp(lo)) & (pods["hour"] < pd.Timestamp(hi))]
        p = p.assign(
            cpu=np.maximum(p["cpu_request_core_seconds"], p["cpu_usage_core_seconds"]) / 3600,
            mem=np.maximum(p["memory_request_byte_seconds"], p["memory_usage_byte_seconds"]) / 3600 / 2**30)
        expected = p.groupby(["cluster_id", "namespace"])[["cpu", "mem"]].sum()
        truth = e.truth.effective_usage(month).set_index(["cluster_id", "namespace"]).sort_index()
        assert list(truth.columns) == ["cpu_effective_core_hours", "memory_effective_gib_hours"]
        assert truth.index.equals(expected.sort_index().index)
        expected = expected.loc[truth.index]
        np.testing.assert_allclose(truth["cpu_effective_core_hours"], expected["cpu"], rtol=1e-9)
        np.testing.assert_allclose(truth["memory_effective_gib_hours"], expected["mem"], rtol=1e-9)
    assert e.truth.effective_usage("2026-12").empty


def test_row_counts_match_the_batches() -> None:
    e = _estate()
    for window in (e.window, Window(e.window.start + timedelta(hours=30), e.window.start + timedelta(hours=41)),
                   Window(e.window.end - timedelta(hours=2), e.window.end + timedelta(days=1))):
        counts: dict[str, int] = {}
        for b in e.collect(window):
            counts[b.table] = counts.get(b.table, 0) + len(b.frame)
        assert counts == e.truth.row_counts(window)


def test_mapping_covers_every_namespace_once() -> None:
    e = _estate()
    m = e.truth.expected_namespace_mapping()
    ns = e.dimensions()["namespace"]
    assert len(m) == len(ns)
    assert set(zip(m["cluster_id"], m["namespace"], strict=True)) == \
        set(zip(ns["cluster_id"], ns["namespace"], strict=True))
    assert (m.set_index(["cluster_id", "namespace"])["is_platform"]
            == ns.set_index(["cluster_id", "namespace"])["is_platform"]).all()
    shared = set(e.dimensions()["cluster"].query("shared")["cluster_id"])
    tenant_shared = m[m["cluster_id"].isin(shared) & ~m["is_platform"]]
    assert tenant_shared["sector_id"].isna().any()  # an unlabelled namespace on a shared cluster
    assert tenant_shared["sector_id"].notna().any()


def test_incidents_and_services_are_consistent() -> None:
    e = _estate()
    services = e.truth.services()
    workloads = e.dimensions()["workload"]
    assert set(services["sli"]) == {"availability", "latency"}
    for inc in e.truth.incidents:
        assert e.window.start <= inc.start < inc.end <= e.window.end
        assert 0 < inc.error_rate < 1
        assert ((services["cluster_id"] == inc.cluster_id) & (services["service"] == inc.service)).any()
        assert ((workloads["cluster_id"] == inc.cluster_id) & (workloads["workload"] == inc.service)).any()
    assert {i.cluster_id for i in e.truth.incidents} == set(e.dimensions()["cluster"]["cluster_id"])
