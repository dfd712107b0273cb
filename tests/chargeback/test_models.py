"""The cost model registry, the cost types and pool names that statements are built from."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import pytest

from chargeback.config import CostModelConfig
from chargeback.models import get_model, model_names
from chargeback.types import COMPUTE_POOLS, POOL_ORDER, PoolName, StatementLine, lines_frame, pools_frame
from common.errors import ConfigError
from common.names import COST_TYPE_ORDER, DEFAULT_COST_MODEL, FLAT_MODEL, CostType


def test_every_statement_model_the_settings_accept_is_registered() -> None:
    accepted = get_args(CostModelConfig.model_fields["model"].annotation)
    assert set(accepted) | {FLAT_MODEL} == set(model_names())
    assert DEFAULT_COST_MODEL in accepted
    assert all(get_model(name).name == name for name in model_names())


def test_an_unknown_model_is_a_configuration_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown cost model 'gpu'; known: flat, pools, rate_card"):
        get_model("gpu")


def test_pool_order_is_compute_pools_then_storage_logging_then_the_rate_card_by_name() -> None:
    rate_card = sorted(p.value for p in (PoolName.CPU_RATE, PoolName.MEMORY_RATE, PoolName.NODE_MONTHS,
                                         PoolName.CLUSTER_MONTH))
    assert (*COMPUTE_POOLS, "storage", "logging", *rate_card) == POOL_ORDER
    assert COMPUTE_POOLS == ("hardware", "vmware-licence", "openshift-licence", "support", "network")


def test_every_pool_with_a_cost_type_charges_a_known_one() -> None:
    assert {p.cost_type for p in PoolName if p.cost_type is not None} <= set(COST_TYPE_ORDER)
    assert PoolName.CPU_RATE.charged_as is CostType.CPU
    with pytest.raises(ValueError, match="shared out"):
        _ = PoolName.HARDWARE.charged_as


def test_typed_lines_become_the_statement_frame_with_plain_text() -> None:
    line = StatementLine("CTI", "c1", "ns", None, None, CostType.STORAGE, PoolName.STORAGE, 2.0, "GiB-months",
                         Decimal("0.5"), None, None, "2 GiB-months x 0.5", Decimal("1.00"))
    frame = lines_frame([line])
    assert list(frame.columns)[:2] == ["line_no", "sector_id"]
    assert type(frame.loc[0, "cost_type"]) is str and frame.loc[0, "pool"] == "storage"
    assert line.amount == Decimal("1.00")
    assert list(pools_frame([]).columns) == ["cluster_id", "pool", "amount", "basis"]
