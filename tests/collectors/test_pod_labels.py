"""Pod labels end to end: the estate's labels, written as kube_pod_labels, collected back from a real
Prometheus (and from operator reports), restored to their Kubernetes keys and loaded as the pod dimension."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from collectors.base import Batch, ScopeFailure
from collectors.operator_reports.collector import OperatorReportsImport
from collectors.prometheus import ClusterEndpoint, PrometheusCollector, PrometheusSourceConfig
from collectors.prometheus.frames import POD_LABEL_KEYS, pod_dimension, pod_label_sets, restore_labels, sanitize
from common.windows import Window
from estate import EstateConfig, SyntheticEstate
from estate.catalogue import LABEL_COST_CENTRE
from ingest import collect_window
from testbed.formats.openmetrics.format import sanitize_label_name
from tests.collectors.conftest import STEP_SECONDS, EstateSlice, PrometheusEstate
from tests.support.operator_reports import write_reports
from warehouse.dimensions import read_dimension
from warehouse.load import load_dimensions

KEY = ["cluster_id", "namespace", "pod"]


def collect(estate: PrometheusEstate, window: Window, **config: object) -> list[Batch]:
    collector = PrometheusCollector(PrometheusSourceConfig(
        thanos={"url": estate.server.url, "cluster_label": "cluster"}, scrape_interval_seconds=STEP_SECONDS,
        **config))
    out = list(collector.collect(window))
    assert not [b for b in out if isinstance(b, ScopeFailure)]
    return [b for b in out if isinstance(b, Batch)]


def pod_rows(batches: list[Batch], labelled: bool = True) -> pd.DataFrame:
    frames = [b.frame for b in batches if b.table == "pod" and ("labels" in b.frame) == labelled]
    return pd.concat(frames, ignore_index=True).sort_values(KEY, ignore_index=True) if frames else pd.DataFrame()


@pytest.fixture(scope="module")
def truth(prometheus_estate: PrometheusEstate) -> pd.DataFrame:
    s = prometheus_estate.slice
    return s.estate.truth.pods(s.window, list(s.clusters)).sort_values(KEY, ignore_index=True)


@pytest.fixture(scope="module")
def collected(prometheus_estate: PrometheusEstate) -> list[Batch]:
    return collect(prometheus_estate, prometheus_estate.slice.window)


def test_collected_pod_labels_equal_the_truth(collected: list[Batch], truth: pd.DataFrame) -> None:
    got = pod_rows(collected)
    assert truth["cluster_id"].nunique() >= 2
    assert got[KEY].equals(truth[KEY])
    assert [json.loads(x) for x in got["labels"]] == [json.loads(x) for x in truth["labels"]]
    for column in ("workload", "workload_kind"):
        assert (got[column] == truth[column]).all(), column
    for column in ("first_seen", "last_seen"):
        assert (got[column].astype("datetime64[us]") == truth[column]).all(), column
    # Every pod of the window answered kube_pod_labels: none is left for a labels-less batch.
    assert pod_rows(collected, labelled=False).empty
    labels = [json.loads(x) for x in got["labels"]]
    assert any(LABEL_COST_CENTRE in lab for lab in labels)
    assert any("app.kubernetes.io/name" in lab for lab in labels)


def test_pod_cost_centre_overrides_the_namespace(truth: pd.DataFrame, prometheus_estate: PrometheusEstate) -> None:
    ns = prometheus_estate.slice.dimension("namespace").set_index(["cluster_id", "namespace"])["labels"]
    overrides = 0
    for cluster, namespace, raw in zip(truth["cluster_id"], truth["namespace"], truth["labels"], strict=True):
        pod_cc = json.loads(raw).get(LABEL_COST_CENTRE)
        if pod_cc is not None:
            assert pod_cc != json.loads(ns[(cluster, namespace)]).get(LABEL_COST_CENTRE)
            overrides += 1
    assert overrides > 0


def test_pods_without_labels(collected: list[Batch], truth: pd.DataFrame,
                             prometheus_estate: PrometheusEstate) -> None:
    bare = truth[truth["labels"] == "{}"]
    assert len(bare) > 0
    got = pod_rows(collected).set_index(KEY)["labels"]
    assert all(got[k] == "{}" for k in bare[KEY].itertuples(index=False, name=None))
    # Their kube_pod_labels series exist, with no label_* names at all.
    s = prometheus_estate.slice
    series = prometheus_estate.server.query("kube_pod_labels", s.window.start + timedelta(minutes=30))
    by_pod = {(r["metric"]["cluster"], r["metric"]["namespace"], r["metric"]["pod"]): r["metric"] for r in series}
    first_hour = bare[bare["first_seen"] == pd.Timestamp(s.window.start)]
    assert len(first_hour) > 0
    for key in first_hour[KEY].itertuples(index=False, name=None):
        assert not [k for k in by_pod[key] if k.startswith("label_")]


def test_label_keys_are_sanitised_in_prometheus(prometheus_estate: PrometheusEstate, truth: pd.DataFrame) -> None:
    s = prometheus_estate.slice
    series = prometheus_estate.server.query("kube_pod_labels", s.window.start + timedelta(minutes=30))
    names = {k for r in series for k in r["metric"]}
    assert {"label_app_kubernetes_io_name", "label_app_kubernetes_io_version", "label_ecs_cost_centre"} <= names
    assert not [n for n in names if "." in n or "/" in n or "-" in n]
    for raw in truth["labels"]:
        for key in json.loads(raw):
            assert sanitize(key) == sanitize_label_name(key)  # the collector's and the writer's agree


def test_restoring_sanitised_keys() -> None:
    result = [
        {"metric": {"namespace": "a", "pod": "p-1", "label_app_kubernetes_io_name": "web", "label_team": "x",
                    "label_ecs_cost_centre": "CC-1", "label_empty": "", "cluster": "c"}, "value": [0, "1"]},
        {"metric": {"namespace": "a", "pod": "p-2"}, "value": [0, "1"]},
        {"metric": {"pod": "no-namespace", "label_app": "x"}, "value": [0, "1"]},
    ]
    sets = pod_label_sets(result)
    assert set(sets) == {("a", "p-1"), ("a", "p-2")}
    assert restore_labels(sets[("a", "p-1")], POD_LABEL_KEYS) == {
        "app.kubernetes.io/name": "web", "ecs/cost-centre": "CC-1", "team": "x"}
    assert restore_labels(sets[("a", "p-2")], POD_LABEL_KEYS) == {}


def test_chunks_and_per_cluster_servers_give_the_same_pods(collected: list[Batch],
                                                           prometheus_estate: PrometheusEstate) -> None:
    s = prometheus_estate.slice
    clusters = [ClusterEndpoint(cluster_id=c, url=prometheus_estate.server.url, selector={"cluster": c})
                for c in s.clusters]
    collector = PrometheusCollector(PrometheusSourceConfig(clusters=clusters, scrape_interval_seconds=STEP_SECONDS,
                                                           chunk_hours=2))
    out = list(collector.collect(s.window))
    assert [b for b in out if not isinstance(b, Batch)] == []
    chunked = [b for b in out if isinstance(b, Batch)]
    pd.testing.assert_frame_equal(pod_rows(chunked), pod_rows(collected), check_dtype=False)


def test_loaded_windows_merge_into_whole_lifetimes(prometheus_estate: PrometheusEstate, truth: pd.DataFrame,
                                                   warehouse_engine: sa.Engine) -> None:
    """The window collected in two parts, the later first: the stored pods equal one whole collection."""
    s = prometheus_estate.slice
    middle = s.window.start + timedelta(hours=1)
    for window in (Window(middle, s.window.end), Window(s.window.start, middle)):
        load_dimensions(warehouse_engine, [(b.table, b.frame) for b in collect(prometheus_estate, window)
                                           if b.table == "pod"])
    with warehouse_engine.connect() as conn:
        stored = pd.read_sql("SELECT * FROM pod", conn).sort_values(KEY, ignore_index=True)
    stored = stored[stored["cluster_id"].isin(s.clusters)].reset_index(drop=True)
    assert stored[KEY].equals(truth[KEY])
    assert (stored["labels"] == truth["labels"]).all()
    for column in ("first_seen", "last_seen"):
        assert (pd.to_datetime(stored[column]).astype("datetime64[us]") == truth[column]).all(), column


def test_operator_reports_carry_pod_labels(estate_slice: EstateSlice, tmp_path: Path) -> None:
    cluster = estate_slice.clusters[0]
    paths = write_reports(estate_slice, cluster, tmp_path / "reports")
    truth = estate_slice.estate.truth.pods(estate_slice.window, [cluster]).sort_values(KEY, ignore_index=True)
    labels = {(ns, pod): json.loads(raw) for ns, pod, raw in zip(truth["namespace"], truth["pod"], truth["labels"],
                                                                 strict=True)}
    # The report as the operator writes it: this estate's labels, sanitised, in ``label_key:value|...``.
    with paths["pod"].open(newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    ns_i, pod_i, lab_i = head.index("namespace"), head.index("pod"), head.index("pod_labels")
    for row in rows[1:]:
        row[lab_i] = "|".join(f"{sanitize(k)}:{v}" for k, v in sorted(labels[(row[ns_i], row[pod_i])].items()))
    with paths["pod"].open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)

    reports = OperatorReportsImport([tmp_path / "reports"], cluster)
    reports.read()
    got = pd.concat([b.frame for b in reports.collect(reports.window) if b.table == "pod"], ignore_index=True)
    got = got.sort_values(KEY, ignore_index=True)
    assert got[KEY].equals(truth[KEY])
    assert (got["labels"] == truth["labels"]).all()
    assert "workload" not in got  # the report names no owner: other sources' workloads are kept
    for column in ("first_seen", "last_seen"):
        assert (got[column].astype("datetime64[us]") == truth[column]).all(), column


def test_estate_pods_are_deterministic_and_slice_independent(tiny_estate: SyntheticEstate) -> None:
    whole = tiny_estate.dimensions()["pod"].sort_values(KEY, ignore_index=True)
    again = SyntheticEstate(EstateConfig(profile="tiny", seed=42)).dimensions()["pod"]
    again = again.sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(whole, again)
    days = [tiny_estate.truth.pods(w) for w in tiny_estate.window.split(timedelta(hours=17))]
    parts = pd.concat(days, ignore_index=True)
    # A pod's labels are the same in every slice; its lifetime is the union of the slices'.
    assert (parts.groupby(KEY)["labels"].nunique() == 1).all()
    merged = parts.groupby(KEY, as_index=False).agg(
        workload=("workload", "first"), workload_kind=("workload_kind", "first"), labels=("labels", "first"),
        first_seen=("first_seen", "min"), last_seen=("last_seen", "max"))
    pd.testing.assert_frame_equal(merged.sort_values(KEY, ignore_index=True), whole, check_dtype=False)
    assert len(whole) > len(tiny_estate.dimensions()["workload"])  # rollouts give workloads new pods


def test_a_pod_without_a_labels_series_keeps_stored_labels() -> None:
    """A pod in the usage facts that kube_pod_labels does not answer for (kube-state-metrics down) gets
    a row without a labels column, so an upsert keeps the labels stored from an earlier window."""
    hours = pd.to_datetime(["2026-09-01 10:00", "2026-09-01 11:00", "2026-09-01 12:00"]).astype("datetime64[us]")
    pods = pd.DataFrame({"namespace": ["a", "a", "b"], "pod": ["web-1", "web-1", "db-0"], "hour": hours,
                         "pod_seconds": [3600.0, 1800.0, 0.0]})
    owners = pd.DataFrame({"namespace": ["a"], "pod": ["web-1"], "workload": ["web"], "workload_kind": ["Deployment"]})
    labelled, bare = pod_dimension({("b", "db-0"): {"label_app": "db"}}, pods, owners, POD_LABEL_KEYS, "c1")
    assert labelled.to_dict("records") == [{
        "cluster_id": "c1", "namespace": "b", "pod": "db-0", "workload": None, "workload_kind": None,
        "labels": '{"app": "db"}', "first_seen": pd.NaT, "last_seen": pd.NaT}]  # no running seconds: unknown
    assert "labels" not in bare
    assert bare[["namespace", "pod", "workload", "first_seen", "last_seen"]].values.tolist() == [
        ["a", "web-1", "web", hours[0], hours[1]]]


def test_collect_job_loads_the_pod_dimension(prometheus_estate: PrometheusEstate, truth: pd.DataFrame,
                                             warehouse_engine: sa.Engine) -> None:
    """The loading job as ``ecs-insight collect prometheus`` runs it: pod rows land next to the facts."""
    s = prometheus_estate.slice
    collector = PrometheusCollector(PrometheusSourceConfig(
        thanos={"url": prometheus_estate.server.url, "cluster_label": "cluster"}, scrape_interval_seconds=STEP_SECONDS))
    report = collect_window(warehouse_engine, collector, s.window)
    assert not report.failures
    stored = read_dimension(warehouse_engine, "pod")
    stored = stored[stored["cluster_id"].isin(s.clusters)].sort_values(KEY, ignore_index=True)
    assert stored[KEY].equals(truth[KEY])
    assert list(stored["labels"]) == list(truth["labels"])
    assert list(stored["workload"]) == list(truth["workload"])
