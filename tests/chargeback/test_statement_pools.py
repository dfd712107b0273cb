"""A statement's cost pools per cluster: stored with each version (both engines), adding up to its
lines, frozen once closed, and shown by ``ecs-insight chargeback statement`` in every format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import sqlalchemy as sa
from typer.testing import CliRunner

from chargeback import lifecycle
from chargeback.types import COMPUTE_POOLS, FEE_POOLS
from ecs_insight.cli import app
from ecs_insight.settings import Settings
from tests.chargeback.conftest import MONTH, build, config_file
from tests.chargeback.test_lifecycle import arrive, hold_back
from warehouse import statements as store
from warehouse.schema import chargeback_statement_pool

runner = CliRunner()


def _sums(frame: pd.DataFrame, keys: list[str]) -> dict[tuple[str, ...], Decimal]:
    out: dict[tuple[str, ...], Decimal] = {}
    for key, amount in zip(zip(*(frame[k].tolist() for k in keys), strict=True), frame["amount"], strict=True):
        out[key] = out.get(key, Decimal(0)) + Decimal(amount)
    return out


def check_pools(stored: lifecycle.StoredStatement) -> None:
    """The identities between a version's pools and its lines.

    - per cluster, the pools sum to the cluster's lines (and all of them to the header's total);
    - per (cluster, pool), the lines that name the pool sum to it to the cent;
    - a distributed pool (compute pools, rate-card fees) has only share lines, each naming the whole pool
      as its pool_amount;
    - a rated pool (storage, logging, the rate card's CPU and memory) is quantity x rate lines of the
      tenants plus share lines of what its platform namespaces were charged: their pool_amount is that part,
      not the pool, and the two add up to the pool.
    """
    pools, lines = stored.pools, stored.lines
    assert not pools.empty and not pools.duplicated(["cluster_id", "pool"]).any()
    assert _sums(pools, ["cluster_id"]) == _sums(lines, ["cluster_id"])
    assert sum(pools["amount"]) == stored.header.total_amount
    by_pool = _sums(lines, ["cluster_id", "pool"])
    for cluster_id, pool, amount in zip(pools["cluster_id"], pools["pool"], pools["amount"], strict=True):
        assert by_pool.get((cluster_id, pool), Decimal(0)) == amount, (cluster_id, pool)
        own = lines[(lines["cluster_id"] == cluster_id) & (lines["pool"] == pool)]
        rated, shares = own[own["rate"].notna()], own[own["rate"].isna()]
        if pool in COMPUTE_POOLS or pool in FEE_POOLS:
            assert rated.empty and set(shares["pool_amount"]) <= {amount}, (cluster_id, pool)
        else:
            platform = amount - sum(rated["amount"], Decimal(0))
            assert set(shares["pool_amount"]) <= {platform}, (cluster_id, pool)
    assert set(by_pool) <= set(zip(pools["cluster_id"], pools["pool"], strict=True))  # no line without its pool


def test_pools_are_stored_with_each_version_and_add_up(tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = settings.chargeback.cost_model
    draft = lifecycle.refresh(engine, MONTH, config)
    check_pools(draft)
    assert set(draft.pools["pool"]) == {*COMPUTE_POOLS, "storage", "logging"}
    rated = draft.lines[draft.lines["pool"].isin(["storage", "logging"])]
    assert rated["rate"].notna().any() and rated["rate"].isna().any()  # both kinds of storage/logging line
    pd.testing.assert_frame_equal(store.read_pools(engine, MONTH, 1), draft.pools)

    card = lifecycle.refresh(engine, MONTH, config.model_copy(update={"model": "rate_card"}))
    assert card.header.version == 1 and card.header.model == "rate_card"
    check_pools(card)  # the draft was replaced: its pools are the rate card's
    assert set(card.pools["pool"]) == {"cpu-rate", "memory-rate", *FEE_POOLS, "storage"}

    cti = lifecycle.latest(engine, MONTH, sector="CTI")
    assert cti is not None and cti.header == card.header
    assert set(cti.pools["cluster_id"]) == set(cti.lines["cluster_id"])
    assert set(cti.pools["cluster_id"]) < set(card.pools["cluster_id"])


def test_closed_pools_never_change_and_a_restatement_stores_its_own(
        tiny_warehouse: tuple[Settings, sa.Engine]) -> None:
    settings, engine = tiny_warehouse
    config = settings.chargeback.cost_model
    late = hold_back(engine)
    closed = lifecycle.close(engine, MONTH, config)
    check_pools(closed)
    arrive(engine, late)
    shown = lifecycle.refresh(engine, MONTH, config)
    assert shown.stale
    pd.testing.assert_frame_equal(shown.pools, closed.pools)

    # the late pod facts move lines, not pools (those follow inventory, node hours, PVCs and logs): a price
    # correction with them moves the pools too
    lists = [p.model_copy(update={"markup_percent": Decimal("10")}) for p in config.price_lists]
    restated = lifecycle.restate(engine, MONTH, config.model_copy(update={"price_lists": lists}))
    check_pools(restated)
    assert set(store.read_pools(engine, MONTH, 2)["version"]) == {2}
    pd.testing.assert_frame_equal(store.read_pools(engine, MONTH, 1), closed.pools)
    before, after = (_sums(s.pools, ["cluster_id", "pool"]) for s in (closed, restated))
    assert set(before) == set(after)
    assert all(after[key] > before[key] for key in before if key[1] == "hardware")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["chargeback", "statement", "--month", MONTH, *args])
    return result.exit_code, result.stdout, result.stderr


def _table_rows(out: str) -> dict[str, list[str]]:
    """The pools table's rows by cluster: its cells as printed."""
    section = out.split("cost pools by cluster (USD)")[1].split("data completeness")[0]
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in section.splitlines() if line.startswith("│")]
    return {row[0]: row[1:] for row in rows}


def test_cli_shows_pools_in_table_json_and_xlsx(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    settings, engine = build(url)
    stored = lifecycle.refresh(engine, MONTH, settings.chargeback.cost_model)
    engine.dispose()
    config = str(config_file(tmp_path, url))
    order = [*COMPUTE_POOLS, "storage", "logging"]

    code, out, _ = run("--config", config)
    assert code == 0, out
    header = out.split("cost pools by cluster (USD)")[1].splitlines()[2]
    assert [c.strip() for c in header.split("┃")[1:-1]] == ["cluster_id", *order, "total"]
    rows = _table_rows(out)
    cells = _sums(stored.pools, ["cluster_id", "pool"])
    assert set(rows) == {*stored.pools["cluster_id"], "total"}
    for cluster_id, row in rows.items():
        if cluster_id != "total":
            expected = [cells[(cluster_id, p)] for p in order]
            assert row == [f"{v:,.2f}" for v in (*expected, sum(expected, Decimal(0)))], cluster_id
    pool_totals = _sums(stored.pools, ["pool"])
    assert rows["total"] == [f"{v:,.2f}" for v in (*(pool_totals[(p,)] for p in order),
                                                    stored.header.total_amount)]

    code, out, _ = run("--sector", "CTI", "--config", config)
    section = out.split("cost pools of the clusters CTI has lines on, whole (USD)")[1].split("data completeness")[0]
    shown = {line.split("│")[1].strip() for line in section.splitlines() if line.startswith("│")}
    assert shown == set(stored.lines.loc[stored.lines["sector_id"] == "CTI", "cluster_id"]) | {"total"}

    code, out, _ = run("--format", "json", "--config", config)
    pools = json.loads(out)["pools"]
    assert {(p["cluster_id"], p["pool"]): Decimal(p["amount"]) for p in pools} == cells
    assert all(p["basis"] for p in pools)

    target = tmp_path / "s.xlsx"
    code, _, err = run("--format", "xlsx", "--output", str(target), "--config", config)
    assert code == 0, err
    book = openpyxl.load_workbook(target)
    sheet = book["pools"]
    names = [c.value for c in sheet[1]]
    rows_x = [dict(zip(names, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {(r["cluster_id"], r["pool"]): round(r["amount"], 2) for r in rows_x} == \
        {k: float(v) for k, v in cells.items()}
    assert {c.number_format for (c,) in sheet.iter_rows(min_row=2, min_col=names.index("amount") + 1,
                                                        max_col=names.index("amount") + 1)} == {"#,##0.00"}
    fields = {f.value: v for f, v in book["statement"].iter_rows(min_row=2, max_col=2)}
    total = fields["total_amount"]
    assert isinstance(total.value, float) and total.number_format == "#,##0.00"
    assert Decimal(repr(total.value)) == stored.header.total_amount
    assert fields["version"].value == 1 and fields["month"].value == MONTH


def test_a_version_stored_before_pools_shows_an_empty_pools_table(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    settings, engine = build(url)
    lifecycle.close(engine, MONTH, settings.chargeback.cost_model)
    with engine.begin() as conn:  # as a version closed before migration 0009 reads
        conn.execute(chargeback_statement_pool.delete())
    engine.dispose()
    config = str(config_file(tmp_path, url))

    code, out, err = run("--config", config)
    assert code == 0, err
    assert _table_rows(out) == {"total": ["0.00"]}
    assert ("no cost pools are stored with version 1: it was stored before statements kept their pools"
            in " ".join(out.split()))
    code, out, _ = run("--format", "json", "--config", config)
    assert code == 0 and json.loads(out)["pools"] == []
    target = tmp_path / "s.xlsx"
    code, _, err = run("--format", "xlsx", "--output", str(target), "--config", config)
    assert code == 0, err
    assert [c.value for c in openpyxl.load_workbook(target)["pools"][1]] == [
        c.name for c in chargeback_statement_pool.c]
