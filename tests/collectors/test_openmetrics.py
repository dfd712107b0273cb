"""The OpenMetrics writer: text rules promtool needs, and PromQL on a real backfilled Prometheus.

Tolerances. Counters rise at a constant rate within each hour and carry a sample on every hour
boundary, so ``increase(x[1h])`` evaluated at an hour end (Prometheus 2.x ranges include both ends)
needs no extrapolation and equals the hour's fact to floating-point rounding (relative 1e-9). A pod
that starts mid-hour is also exact: its counter starts at 0 at the pod's start, and Prometheus'
extrapolation to zero lands exactly there. A pod that stops mid-hour is over-counted: its last sample
is before the range end, and Prometheus extrapolates by up to 1.1 average sample intervals, i.e. at
most ``1.1 * step * rate`` for that pod; the test allows exactly that per stopping pod, and no more.
Gauges (working set, requests, capacity) are compared at relative 1e-9.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from common.windows import Window
from testbed.formats.openmetrics import (
    FAMILIES,
    OPENMETRICS_TABLES,
    sanitize_label_name,
    write_estate_openmetrics,
    write_openmetrics,
)
from testbed.prometheus import unix
from tests.collectors.conftest import STEP_SECONDS, EstateSlice, PrometheusEstate

REL = 1e-9
CPU = 'sum by (cluster, namespace) (increase(container_cpu_usage_seconds_total{{{sel}}}[1h]))'
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# --------------------------------------------------------------------------- helpers


def parse(text: str) -> tuple[list[str], dict[str, list[tuple[int, float]]], list[str]]:
    """(family order from # TYPE, samples per series in file order, sample names in file order)."""
    families: list[str] = []
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    names: list[str] = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            families.append(line.split()[2])
        elif not line.startswith("#"):
            m = _SAMPLE.match(line)
            assert m, line
            series[f"{m[1]}{{{m[2]}}}"].append((int(m[4]), float(m[3])))
            names.append(m[1])
    return families, series, names


def labels_of(key: str) -> dict[str, str]:
    return dict(_LABEL.findall(key[key.index("{"):]))


def hours(window: Window) -> list[datetime]:
    return [window.start + timedelta(hours=h) for h in range(window.hours())]


def by(result: list[dict], *keys: str) -> dict[tuple[str, ...], float]:
    return {tuple(r["metric"].get(k, "") for k in keys): float(r["value"][1]) for r in result}


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def pods_with_intervals(pods: pd.DataFrame) -> pd.DataFrame:
    """Pod rows with the writer's reading of partial hours: ``stops_early`` marks an over-counted hour."""
    p = pods.sort_values(["cluster_id", "namespace", "pod", "hour"]).reset_index(drop=True)
    key = (p["cluster_id"] + "/" + p["namespace"] + "/" + p["pod"]).to_numpy()
    h = p["hour"].to_numpy()
    first = np.ones(len(p), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (h[1:] != h[:-1] + np.timedelta64(1, "h"))
    last = np.ones(len(p), dtype=bool)
    last[:-1] = first[1:]
    partial = p["pod_seconds"].to_numpy() < 3600
    starts_late = first & ~last & partial
    return p.assign(stops_early=last & ~starts_late & partial)


# --------------------------------------------------------------------------- text (no server)


@pytest.fixture(scope="module")
def small_text(estate_slice: EstateSlice) -> tuple[str, Window, str]:
    cluster = estate_slice.clusters[0]
    window = Window(estate_slice.window.start, estate_slice.window.start + timedelta(hours=2))
    out = io.StringIO()
    write_estate_openmetrics(out, estate_slice.estate, window, clusters=[cluster])
    return out.getvalue(), window, cluster


def test_text_follows_the_rules_promtool_needs(small_text: tuple[str, Window, str]) -> None:
    text, window, cluster = small_text
    assert text.endswith("\n# EOF\n")
    families, series, names = parse(text)
    assert len(families) == len(set(families)), "one # TYPE per family"
    assert text.count("# HELP ") == len(families)
    # each family's samples form one contiguous block, in # TYPE order
    blocks = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert len(blocks) == len(set(blocks))
    assert [FAMILIES[f].sample_name for f in families] == blocks
    lo, hi = unix(window.start), unix(window.end)
    seen: set[str] = set()
    previous = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key = line[: line.rindex("}") + 1]
        if key != previous:
            assert key not in seen, f"series not contiguous: {key[:80]}"
            seen.add(key)
            previous = key
    for key, samples in series.items():
        ts = [t for t, _ in samples]
        assert all(b > a for a, b in itertools.pairwise(ts)), f"not strictly increasing: {key[:80]}"
        assert lo - 1 <= ts[0] and ts[-1] <= hi + 1, "timestamps are seconds inside the window"
        assert labels_of(key)["cluster"] == cluster
        assert all(math.isfinite(v) for _, v in samples)


def test_counters_hit_the_facts_on_every_hour_boundary(small_text: tuple[str, Window, str],
                                                        estate_slice: EstateSlice) -> None:
    text, window, cluster = small_text
    _, series, _ = parse(text)
    cont = estate_slice.facts("container_usage_hourly")
    cont = cont[(cont["cluster_id"] == cluster) & (cont["hour"] < window.end)]
    truth = cont.set_index(["namespace", "pod", "container", "hour"])["cpu_usage_core_seconds"]
    checked = 0
    for key, samples in series.items():
        lab = labels_of(key)
        if not key.startswith("container_cpu_usage_seconds_total{") or lab["container"] in ("", "POD"):
            continue
        values = dict(samples)
        start = values[samples[0][0]]
        for hour in hours(window):
            end_ts = int(unix(hour + timedelta(hours=1)))
            begin_ts = int(unix(hour))
            if end_ts in values and begin_ts in values:
                expected = truth[(lab["namespace"], lab["pod"], lab["container"], hour)]
                assert close(values[end_ts] - values[begin_ts], expected), key[:80]
                checked += 1
        assert start == 0.0 or samples[0][0] % STEP_SECONDS == 0
    assert checked >= 10


def test_pod_rows_alone_give_one_container_named_after_the_workload(estate_slice: EstateSlice) -> None:
    window = Window(estate_slice.window.start, estate_slice.window.start + timedelta(hours=1))
    cluster = estate_slice.clusters[0]
    batches = estate_slice.estate.collect(window, tables=["pod_usage_hourly"])
    out = io.StringIO()
    stats = write_openmetrics(out, estate_slice.estate.dimensions(), batches, clusters=[cluster])
    _, series, _ = parse(out.getvalue())
    pods = estate_slice.facts("pod_usage_hourly")
    pods = pods[(pods["cluster_id"] == cluster) & (pods["hour"] == window.start) & (pods["pod_seconds"] == 3600)]
    end = int(unix(window.end))
    got = {}
    for key, samples in series.items():
        lab = labels_of(key)
        if key.startswith("container_cpu_usage_seconds_total{") and lab["container"] not in ("", "POD"):
            assert lab["container"] == pods.set_index("pod")["workload"].get(lab["pod"], lab["container"])
            got[lab["pod"]] = dict(samples)[end]
    for pod, cpu in zip(pods["pod"], pods["cpu_usage_core_seconds"], strict=True):
        assert close(got[pod], cpu)
    assert stats.samples_by_family["kube_pod_status_phase"] > 0


def test_step_must_divide_an_hour(estate_slice: EstateSlice) -> None:
    with pytest.raises(ValueError, match="divisor of 3600"):
        write_openmetrics(io.StringIO(), {}, [], step_seconds=7)


def test_label_keys_are_sanitised_as_kube_state_metrics_does() -> None:
    assert sanitize_label_name("ecs/cost-centre") == "label_ecs_cost_centre"
    assert sanitize_label_name("app.kubernetes.io/part-of") == "label_app_kubernetes_io_part_of"


def test_tables_written() -> None:
    assert set(OPENMETRICS_TABLES) == {"pod_usage_hourly", "container_usage_hourly", "node_hourly",
                                       "pvc_hourly", "sli_5m"}


# --------------------------------------------------------------------------- real Prometheus


def test_promtool_kept_every_sample(prometheus_estate: PrometheusEstate) -> None:
    assert prometheus_estate.backfill.samples == prometheus_estate.written.samples
    assert prometheus_estate.written.clusters == len(prometheus_estate.slice.clusters) >= 2


def test_container_cpu_increase_equals_the_facts(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    cont = s.facts("container_usage_hourly")
    pods = pods_with_intervals(s.facts("pod_usage_hourly"))
    stopping = pods[pods["stops_early"]]
    allowance = (1.1 * STEP_SECONDS * stopping["cpu_usage_core_seconds"] / stopping["pod_seconds"]).groupby(
        [stopping["cluster_id"], stopping["namespace"], stopping["hour"]]).sum()
    exact = 0
    for hour in hours(s.window):
        got = by(prometheus_estate.server.query(CPU.format(sel='container!="",container!="POD"'),
                                                hour + timedelta(hours=1)), "cluster", "namespace")
        truth = cont[cont["hour"] == hour].groupby(["cluster_id", "namespace"])["cpu_usage_core_seconds"].sum()
        assert set(got) == set(truth.index)
        for (cluster, ns), expected in truth.items():
            extra = float(allowance.get((cluster, ns, hour), 0.0))
            value = got[(cluster, ns)]
            assert expected * (1 - REL) - 1e-6 <= value <= expected * (1 + REL) + extra + 1e-6, (cluster, ns, hour)
            exact += extra == 0.0
    assert exact >= 10


def test_summing_every_cadvisor_series_double_counts(prometheus_estate: PrometheusEstate) -> None:
    at = prometheus_estate.slice.window.end
    q = prometheus_estate.server.query
    containers = by(q(CPU.format(sel='container!="",container!="POD"'), at), "cluster", "namespace")
    everything = by(q(CPU.format(sel=""), at), "cluster", "namespace")
    assert set(everything) == set(containers)
    for key, value in containers.items():
        assert everything[key] > 1.99 * value, key
    assert by(q('count(container_cpu_usage_seconds_total{container="POD"})', at))[()] > 0
    assert by(q('count(container_memory_working_set_bytes{container=""})', at))[()] > 0


def test_working_set_mean_per_hour_equals_the_facts(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    cont = s.facts("container_usage_hourly").merge(
        s.facts("pod_usage_hourly")[["cluster_id", "namespace", "pod", "hour", "pod_seconds"]])
    q = ('sum by (cluster, namespace) (avg_over_time(container_memory_working_set_bytes'
         '{container!="",container!="POD"}[3599s]))')
    for hour in hours(s.window):
        got = by(prometheus_estate.server.query(q, hour + timedelta(seconds=3599)), "cluster", "namespace")
        rows = cont[cont["hour"] == hour]
        truth = (rows["memory_usage_byte_seconds"] / rows["pod_seconds"]).groupby(
            [rows["cluster_id"], rows["namespace"]]).sum()
        assert set(got) == set(truth.index)
        for key, expected in truth.items():
            assert close(got[key], expected), key


def test_peak_working_set_is_the_hour_maximum(prometheus_estate: PrometheusEstate) -> None:
    """Full-hour containers carry their hour's peak on one sample (the mean is kept, as tested above)."""
    s = prometheus_estate.slice
    hour = s.window.start
    cont = s.facts("container_usage_hourly").merge(
        s.facts("pod_usage_hourly")[["cluster_id", "namespace", "pod", "hour", "pod_seconds"]])
    cont = cont[(cont["hour"] == hour) & (cont["pod_seconds"] == 3600) & cont["memory_max_bytes"].notna()]
    q = 'max_over_time(container_memory_working_set_bytes{container!="",container!="POD"}[3599s])'
    got = by(prometheus_estate.server.query(q, hour + timedelta(seconds=3599)), "cluster", "pod", "container")
    assert len(cont) >= 10
    for cluster, pod, name, peak, ws in zip(cont["cluster_id"], cont["pod"], cont["container"],
                                            cont["memory_max_bytes"], cont["memory_usage_byte_seconds"], strict=True):
        assert close(got[(cluster, pod, name)], max(peak, ws / 3600)), (pod, name)


def test_requests_equal_the_facts(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    cont = s.facts("container_usage_hourly").merge(
        s.facts("pod_usage_hourly")[["cluster_id", "namespace", "pod", "hour", "pod_seconds"]])
    q = 'sum by (cluster, namespace) (avg_over_time(kube_pod_container_resource_requests{{resource="{r}"}}[3599s]))'
    for hour in hours(s.window):
        rows = cont[cont["hour"] == hour]
        for resource, column in (("cpu", "cpu_request_core_seconds"), ("memory", "memory_request_byte_seconds")):
            got = by(prometheus_estate.server.query(q.format(r=resource), hour + timedelta(seconds=3599)),
                     "cluster", "namespace")
            truth = (rows[column] / rows["pod_seconds"]).groupby([rows["cluster_id"], rows["namespace"]]).sum()
            truth = truth[truth > 0]
            assert set(got) >= set(truth.index)
            for key, expected in truth.items():
                assert close(got[key], expected), (resource, key)


def test_node_capacity_and_allocatable_equal_the_facts(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    nodes = s.facts("node_hourly")
    hour = s.window.start + timedelta(hours=1)
    rows = nodes[nodes["hour"] == hour].set_index(["cluster_id", "node"])
    for kind in ("capacity", "allocatable"):
        for resource, column in (("cpu", f"cpu_{kind}_core_seconds"), ("memory", f"memory_{kind}_byte_seconds")):
            got = by(prometheus_estate.server.query(f'kube_node_status_{kind}{{resource="{resource}"}}',
                                                    hour + timedelta(minutes=30)), "cluster", "node")
            truth = rows[column] / rows["node_seconds"]
            assert set(got) == set(truth.index)
            for key, expected in truth.items():
                assert close(got[key], expected), (kind, resource, key)
    info = by(prometheus_estate.server.query("kube_node_info", hour + timedelta(minutes=30)),
              "cluster", "node", "provider_id")
    dim = s.dimension("node")
    assert set(info) == set(zip(dim["cluster_id"], dim["node"], dim["provider_id"], strict=True))


def test_namespace_labels_are_sanitised(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    result = prometheus_estate.server.query("kube_namespace_labels", s.window.start + timedelta(minutes=30))
    got = {(r["metric"]["cluster"], r["metric"]["namespace"]): r["metric"] for r in result}
    dim = s.dimension("namespace")
    assert set(got) == set(zip(dim["cluster_id"], dim["namespace"], strict=True))
    sanitised = 0
    for cluster, ns, raw in zip(dim["cluster_id"], dim["namespace"], dim["labels"], strict=True):
        for key, value in json.loads(raw).items():
            assert got[(cluster, ns)][sanitize_label_name(key)] == value
            sanitised += "/" in key or "-" in key or "." in key
    assert sanitised > 0
    assert any("label_ecs_cost_centre" in m for m in got.values())


def test_router_responses_equal_the_sli_buckets(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    sli = s.facts("sli_5m")
    sli = sli[sli["sli"] == "availability"].assign(hour=lambda f: f["bucket_start"].dt.floor("h"),
                                                   bad=lambda f: f["total_events"] - f["good_events"])
    q = 'sum by (cluster, exported_namespace, route) (increase(haproxy_backend_http_responses_total{{code="{c}"}}[1h]))'
    for hour in hours(s.window):
        rows = sli[sli["hour"] == hour].groupby(["cluster_id", "namespace", "service"])[["good_events", "bad"]].sum()
        for code, column in (("2xx", "good_events"), ("5xx", "bad")):
            got = by(prometheus_estate.server.query(q.format(c=code), hour + timedelta(hours=1)),
                     "cluster", "exported_namespace", "route")
            assert set(got) == set(rows.index)
            for key, expected in rows[column].items():
                assert close(got[key], float(expected)), (code, key)


def test_pod_owners_resolve_to_the_workload(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    at = s.window.start + timedelta(minutes=30)
    q = prometheus_estate.server.query
    owners = {(r["metric"]["cluster"], r["metric"]["namespace"], r["metric"]["pod"]):
              (r["metric"]["owner_kind"], r["metric"]["owner_name"]) for r in q("kube_pod_owner", at)}
    parents = {(r["metric"]["cluster"], r["metric"]["namespace"], kind, r["metric"][label]): r["metric"]["owner_name"]
               for kind, label in (("ReplicaSet", "replicaset"), ("ReplicationController", "replicationcontroller"))
               for r in q(f"kube_{kind.lower()}_owner", at)}
    pods = s.facts("pod_usage_hourly")
    pods = pods[pods["hour"] == s.window.start]
    kinds = set()
    for cluster, ns, pod, workload, kind in zip(pods["cluster_id"], pods["namespace"], pods["pod"],
                                                pods["workload"], pods["workload_kind"], strict=True):
        owner_kind, owner_name = owners[(cluster, ns, pod)]
        resolved = parents.get((cluster, ns, owner_kind, owner_name), owner_name)
        assert resolved == workload, (pod, owner_kind, owner_name)
        kinds.add((kind, owner_kind))
    assert ("Deployment", "ReplicaSet") in kinds


def test_pvc_usage_equals_the_facts(prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    hour = s.window.start
    pvc = s.facts("pvc_hourly")
    pvc = pvc[pvc["hour"] == hour].set_index(["cluster_id", "namespace", "pvc"])
    got = by(prometheus_estate.server.query("kubelet_volume_stats_used_bytes", hour + timedelta(minutes=30)),
             "cluster", "namespace", "persistentvolumeclaim")
    assert set(got) == set(pvc.index)
    for key, used in (pvc["usage_byte_seconds"] / 3600).items():
        assert close(got[key], used), key


def test_chunked_expansion_writes_the_same_text(estate_slice: EstateSlice, monkeypatch: pytest.MonkeyPatch) -> None:
    from testbed.formats import openmetrics

    window = Window(estate_slice.window.start, estate_slice.window.start + timedelta(hours=2))
    whole = io.StringIO()
    write_estate_openmetrics(whole, estate_slice.estate, window, clusters=estate_slice.clusters[:1])
    monkeypatch.setattr(openmetrics, "CHUNK_ROWS", 7)
    chunked = io.StringIO()
    write_estate_openmetrics(chunked, estate_slice.estate, window, clusters=estate_slice.clusters[:1])
    assert chunked.getvalue() == whole.getvalue()


def test_interleaved_cluster_batches_are_refused(estate_slice: EstateSlice) -> None:
    window = Window(estate_slice.window.start, estate_slice.window.start + timedelta(hours=1))
    batches = list(estate_slice.estate.collect(window, tables=["pod_usage_hourly", "node_hourly"]))
    a, b = estate_slice.clusters
    interleaved = [x for x in batches if x.scope == a][:1] + [x for x in batches if x.scope == b] + \
        [x for x in batches if x.scope == a][1:]
    with pytest.raises(ValueError, match="not contiguous"):
        write_openmetrics(io.StringIO(), {}, interleaved)
