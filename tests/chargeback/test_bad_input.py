"""Bad configuration and input: clear errors naming the field, file or sector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from pydantic import ValidationError

from chargeback.config import CostModelConfig
from chargeback.statement import compute_statement, read_inventory
from common.errors import ConfigError, DataError
from ecs_insight.settings import DEFAULT_CONFIG, Settings, load_settings
from tests.chargeback.conftest import MONTH

PRICE_LIST = {"version": "a", "effective_from": "2026-01-01", "support_per_cluster_month": "1"}


def _config_file(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    change(data["chargeback"]["cost_model"])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(("change", "field", "reason"), [
    (lambda m: m["price_lists"][0]["vmware_licence"].update(monthly="-1"),
     "chargeback.cost_model.price_lists.0.vmware_licence.monthly", "greater than or equal to 0"),
    (lambda m: m["price_lists"][1]["storage_per_gib_month"].update(gold="-0.5"),
     "chargeback.cost_model.price_lists.1.storage_per_gib_month", "storage_per_gib_month.gold must not be negative"),
    (lambda m: m["price_lists"][0].update(effective_to="2026-10-20"),
     "chargeback.cost_model.price_lists", "[1].effective_from 2026-10-15 overlaps price list [0]"),
    (lambda m: m["price_lists"][1].update(version="2026.1"),
     "chargeback.cost_model.price_lists", "'2026.1' appears twice"),
    (lambda m: m["price_lists"][0].update(markup_percent="-100"),
     "chargeback.cost_model.price_lists.0.markup_percent", "greater than -100"),
    (lambda m: m["hosts"][0].update(price="-41500"), "chargeback.cost_model.hosts.0.price", "greater than or equal"),
    (lambda m: m["rate_card"].update(cpu_core_hour="-0.01"), "chargeback.cost_model.rate_card.cpu_core_hour",
     "greater than or equal to 0"),
    (lambda m: m["entitlements"].append({"sector": "CTI", "cores": "1", "effective_from": "2026-06-01"}),
     "chargeback.cost_model.entitlements", "overlaps entitlement [0] of sector CTI"),
    (lambda m: m["allocation"].update(cpu_share="1.5"), "chargeback.cost_model.allocation.cpu_share",
     "less than or equal to 1"),
])
def test_bad_cost_model_config_names_the_field(tmp_path: Path, change: Callable[[dict], None], field: str,
                                               reason: str) -> None:
    path = _config_file(tmp_path, change)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert field in message and reason in message and str(path) in message


def test_price_list_periods_that_touch_are_fine() -> None:
    lists = [{**PRICE_LIST, "effective_to": "2026-03-31"},
             {**PRICE_LIST, "version": "b", "effective_from": "2026-04-01"}]
    assert [p.version for p in CostModelConfig.model_validate({"price_lists": lists}).price_lists] == ["a", "b"]
    with pytest.raises(ValidationError, match="effective_to 2026-01-01 is before"):
        CostModelConfig.model_validate({"price_lists": [{**PRICE_LIST, "effective_from": "2026-02-01",
                                                         "effective_to": "2026-01-01"}]})


def test_unknown_sector_in_an_entitlement(tiny_duckdb: tuple[Settings, sa.Engine],
                                          cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    config = cost_model(entitlements=[{"sector": "NOPE", "cores": "4", "effective_from": "2026-01-01"}])
    with pytest.raises(ConfigError, match=r"unknown sector 'NOPE'; known sectors: CTI, ICG .*entitlements\.0\.sector"):
        compute_statement(engine, MONTH, config)


def test_a_cluster_without_a_cost_pool(tiny_duckdb: tuple[Settings, sa.Engine],
                                       cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    config = cost_model(hosts=[{"match": "esx-vc01-*", "price": "1000", "purchase_date": "2026-01-01"}])
    with pytest.raises(ConfigError, match=r"host esx-vc02-.* carries nodes of cluster\(s\) ocp-icg-01 but no hosts "
                                          r"entry prices it.*field=chargeback.cost_model.hosts"):
        compute_statement(engine, MONTH, config)


def test_a_host_without_a_core_count_cannot_carry_a_per_core_licence(
        tiny_duckdb: tuple[Settings, sa.Engine], cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    inventory = read_inventory(engine)
    gone = sorted(inventory.hosts["host"])[0]
    inventory = replace(inventory, hosts=inventory.hosts[inventory.hosts["host"] != gone])
    with pytest.raises(DataError, match=rf"host {gone} carries nodes of cluster\(s\) .* no core count"):
        compute_statement(engine, MONTH, cost_model(), inventory=inventory)


def test_no_price_list_in_force(tiny_duckdb: tuple[Settings, sa.Engine],
                                cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    config = cost_model(price_lists=[{**PRICE_LIST, "effective_from": "2026-10-01"}])
    with pytest.raises(ConfigError, match="no price list is in force on 2026-09-01"):
        compute_statement(engine, MONTH, config)


def test_a_storage_class_without_a_price(tiny_duckdb: tuple[Settings, sa.Engine],
                                         cost_model: Callable[..., CostModelConfig]) -> None:
    _, engine = tiny_duckdb
    config = cost_model(price_lists=[{**PRICE_LIST, "storage_per_gib_month": {"thin-csi": "0.1"}}])
    with pytest.raises(ConfigError, match=r"no price for storage class 'ocs-storagecluster-ceph(fs|-rbd)'.*"
                                          r"price_lists\.0\.storage_per_gib_month"):
        compute_statement(engine, MONTH, config)
