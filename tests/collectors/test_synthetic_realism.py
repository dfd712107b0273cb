"""The simulated estate behaves like a real one: business days, sizing classes, OOMs, churn, incidents."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import numpy as np
import pandas as pd

from common.windows import Window
from estate import EstateConfig, SyntheticEstate


@cache
def week() -> SyntheticEstate:
    # A week (2026-09-01 is a Tuesday), so weekends and several rollouts are in the data.
    return SyntheticEstate(EstateConfig(profile="tiny", seed=11, days=7))


@cache
def frames(table: str) -> pd.DataFrame:
    e = week()
    return pd.concat([b.frame for b in e.collect(e.window, {table})], ignore_index=True)


def test_weekday_business_hours_are_busier_than_weekend_nights() -> None:
    pods = frames("pod_usage_hourly")
    hour = pods["hour"]
    weekday_busy = pods[(hour.dt.day_of_week < 5) & hour.dt.hour.between(14, 16)]
    weekend_night = pods[(hour.dt.day_of_week >= 5) & hour.dt.hour.between(0, 4)]
    busy = weekday_busy.groupby("hour")["cpu_usage_core_seconds"].sum().mean()
    quiet = weekend_night.groupby("hour")["cpu_usage_core_seconds"].sum().mean()
    assert busy > 1.2 * quiet
    logs = frames("log_volume_hourly")
    lh = logs["hour"]
    assert logs[(lh.dt.day_of_week < 5) & lh.dt.hour.between(14, 16)]["documents"].mean() > \
        logs[(lh.dt.day_of_week >= 5) & lh.dt.hour.between(0, 4)]["documents"].mean()


def test_sizing_classes_show_in_usage() -> None:
    pods = frames("pod_usage_hourly")
    sizing = week().truth.workload_sizing()
    per = pods.groupby(["cluster_id", "namespace", "workload"])[
        ["cpu_usage_core_seconds", "cpu_request_core_seconds", "memory_usage_byte_seconds",
         "memory_request_byte_seconds"]].sum()
    per = per.join(sizing.set_index(["cluster_id", "namespace", "workload"])["sizing"])
    cpu_ratio = per["cpu_usage_core_seconds"] / per["cpu_request_core_seconds"]
    mem_ratio = per["memory_usage_byte_seconds"] / per["memory_request_byte_seconds"]
    assert set(per["sizing"]) == {"over", "right", "under"}
    assert (cpu_ratio[per["sizing"] == "over"] < 0.4).all()
    assert (mem_ratio[per["sizing"] == "over"] < 0.4).all()
    assert cpu_ratio[per["sizing"] == "over"].between(0.05, 0.4).all()
    assert (cpu_ratio[per["sizing"] == "under"] > 1.0).all()
    assert cpu_ratio[per["sizing"] == "right"].between(0.35, 1.2).all()
    # Hour by hour too, for the main containers of over-requested workloads.
    containers = frames("container_usage_hourly")
    over = sizing[sizing["sizing"] == "over"]
    main = containers.merge(over, left_on=["cluster_id", "namespace", "container"],
                            right_on=["cluster_id", "namespace", "workload"])
    assert len(main) > 0
    assert (main["cpu_usage_core_seconds"] / main["cpu_request_core_seconds"] < 0.4).all()


def test_oom_kills_and_throttling_only_near_limits() -> None:
    c = frames("container_usage_hourly")
    mem_share = c["memory_usage_byte_seconds"] / c["memory_limit_byte_seconds"]
    oom = c["oom_kills"] > 0
    assert oom.any()
    assert (mem_share[oom] > 0.85).all()
    assert (c.loc[c["memory_limit_byte_seconds"].isna(), "oom_kills"] == 0).all()
    assert (c.loc[oom, "memory_max_bytes"] * 3600 == c.loc[oom, "memory_limit_byte_seconds"]).all()
    cpu_share = c["cpu_usage_core_seconds"] / c["cpu_limit_core_seconds"]
    throttled = c["cpu_throttled_seconds"] > 0
    assert throttled.any()
    assert (cpu_share[throttled] > 0.7).all()
    assert (c.loc[c["cpu_limit_core_seconds"].isna(), "cpu_throttled_seconds"] == 0).all()
    assert (c["restarts"] == c["oom_kills"]).all()


def test_pods_churn_while_workloads_stay() -> None:
    pods = frames("pod_usage_hourly")
    per = pods.groupby(["cluster_id", "namespace", "workload", "workload_kind"])["pod"].nunique().reset_index()
    reps = week().truth.workload_sizing().set_index(["cluster_id", "namespace", "workload"])["replicas"]
    per["replicas"] = reps.loc[list(zip(per["cluster_id"], per["namespace"], per["workload"], strict=True))].to_numpy()
    rolling = per[per["workload_kind"] != "StatefulSet"]
    assert (rolling["pod"] > rolling["replicas"]).mean() > 0.8  # a week sees rollouts of most workloads
    sts = per[per["workload_kind"] == "StatefulSet"]
    assert (sts["pod"] == sts["replicas"]).all()  # StatefulSet pods keep their names
    deploy = pods[pods["workload_kind"] == "Deployment"]
    assert deploy["pod"].str.fullmatch(r"[a-z0-9-]+-[b-df-hj-np-tv-z2-9]{10}-[b-df-hj-np-tv-z2-9]{5}").all()
    dc = pods[pods["workload_kind"] == "DeploymentConfig"]
    assert dc["pod"].str.fullmatch(r"[a-z0-9-]+-\d+-[b-df-hj-np-tv-z2-9]{5}").all()
    assert set(pods["workload_kind"]) == {"Deployment", "StatefulSet", "DeploymentConfig"}
    # Every hour, each workload runs exactly its replica count.
    running = pods.groupby(["cluster_id", "namespace", "workload", "hour"])["pod"].nunique()
    expected = reps.loc[[k[:3] for k in running.index]].to_numpy()
    assert (running.to_numpy() == expected).all()


def test_incidents_lower_availability_and_raise_errors() -> None:
    e = week()
    sli = frames("sli_5m")
    logs = frames("log_volume_hourly")
    assert len(e.truth.incidents) >= 3
    for inc in e.truth.incidents:
        s = sli[(sli["cluster_id"] == inc.cluster_id) & (sli["service"] == inc.service)
                & (sli["sli"] == "availability")]
        during = s["bucket_start"].between(pd.Timestamp(inc.start), pd.Timestamp(inc.end), inclusive="left")
        assert during.sum() == (inc.end - inc.start) // timedelta(minutes=5)
        ratio_in = s.loc[during, "good_events"].sum() / s.loc[during, "total_events"].sum()
        ratio_out = s.loc[~during, "good_events"].sum() / s.loc[~during, "total_events"].sum()
        assert ratio_in < ratio_out - 0.02
        w = e.truth.incident_window(inc)
        ns = logs[(logs["cluster_id"] == inc.cluster_id) & (logs["namespace"] == inc.namespace)]
        hit = ns["hour"].between(pd.Timestamp(w.start), pd.Timestamp(w.end), inclusive="left")
        share = ns["error_documents"] / ns["documents"]
        assert share[hit].mean() > share[~hit].mean()


def test_growth_differs_by_sector() -> None:
    e = SyntheticEstate(EstateConfig(profile="demo", seed=3))
    first = Window(e.window.start, e.window.start + timedelta(days=7))
    last = Window(e.window.end - timedelta(days=7), e.window.end)
    ns = e.truth.expected_namespace_mapping()
    ns = ns[ns["sector_id"].notna() & ~ns["is_platform"]]

    def per_sector(window: Window) -> pd.Series:
        cluster_ids = ["ocp-pbwm-01", "ocp-gfts-01"]
        rows = [b.frame for b in e.collect(window, {"pod_usage_hourly"}) if b.scope in cluster_ids]
        pods = pd.concat(rows).merge(ns, on=["cluster_id", "namespace"])
        return pods.groupby("sector_id")["cpu_usage_core_seconds"].sum()

    growth = per_sector(last) / per_sector(first)
    assert growth["GFTS"] > growth["PBWM"] + 0.05
    assert np.isfinite(growth).all()
