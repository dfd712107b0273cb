"""The rate card model: quantity x rate lines, label rates with a default, spread node and cluster fees."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from chargeback.config import CostModelConfig
from chargeback.rounding import cents, dec
from chargeback.statement import compute_statement
from common.windows import Window, next_month, parse_month
from ecs_insight.settings import Settings
from tests.chargeback.conftest import MONTH
from warehouse.chargeback_facts import month_facts
from warehouse.dimensions import read_dimension


def test_rate_card_lines(tiny_duckdb: tuple[Settings, sa.Engine], cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    card = {"basis": "request", "cpu_core_hour": "0.04", "memory_gib_hour": "0.005", "node_month": "100",
            "cluster_month": "1000", "pvc_per_gib_month": {"default": "0.1"},
            "label_rates": [{"label": "ecs/sector", "value": "ICG", "cpu_core_hour": "0.05",
                             "memory_gib_hour": "0.006"}]}
    st = compute_statement(engine, MONTH, cost_model(model="rate_card", rate_card=card))
    start = parse_month(MONTH)
    facts = month_facts(engine, Window(start, next_month(start)))
    requests = facts.usage.groupby(["cluster_id", "namespace"])["cpu_request_core_hours"].sum()
    namespaces = read_dimension(engine, "namespace")
    labelled = {(c, n) for c, n, labels in zip(namespaces["cluster_id"], namespaces["namespace"],
                                               namespaces["labels"], strict=True)
                if isinstance(labels, str) and json.loads(labels).get("ecs/sector") == "ICG"}
    cpu = st.lines[(st.lines["cost_type"] == "cpu")]
    assert not cpu.empty
    for row in cpu.itertuples(index=False):
        rate = Decimal("0.05") if (row.cluster_id, row.namespace) in labelled else Decimal("0.04")
        assert row.rate == rate
        assert row.quantity == requests[(row.cluster_id, row.namespace)]
        assert row.amount == cents(dec(row.quantity) * rate)
    assert any("label rate 0" in b for b in cpu["basis"]) and any("default rate" in b for b in cpu["basis"])
    sums = st.lines.groupby(["cluster_id", "pool"])["amount"].sum()
    for pool in st.pools.itertuples(index=False):
        assert sums[(pool.cluster_id, pool.pool)] == pool.amount
    nodes = facts.nodes.groupby("cluster_id")["node_hours"].sum() / 720
    for cluster_id, node_months in nodes.items():
        fee = st.pools[(st.pools["cluster_id"] == cluster_id) & (st.pools["pool"] == "node-months")]["amount"]
        assert fee.iloc[0] == cents(dec(node_months) * 100)
    assert st.total == sum(st.pools["amount"], Decimal(0))
