"""Typed configuration of the cost models: price lists, host assets, allocation policy, rate card,
entitlements, and the flat rate. Money is Decimal; validators name the field path of what is wrong."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.names import DEFAULT_COST_MODEL


def _non_negative_rates(rates: dict[str, Decimal], name: str) -> dict[str, Decimal]:
    """Rates by storage class: every one must be zero or more."""
    for storage_class, rate in rates.items():
        if rate < 0:
            raise ValueError(f"{name}.{storage_class} must not be negative (got {rate})")
    return rates


class Licence(BaseModel):
    """A licence price, per core or per host, per month."""

    model_config = ConfigDict(extra="forbid")

    per: Literal["core", "host"] = Field(
        default="core",
        description="What the licence counts: 'core' (VMware: physical host cores; OpenShift: worker "
        "node vCPUs) or 'host' (VMware: hosts carrying the cluster's nodes; OpenShift: worker nodes).",
    )
    monthly: Decimal = Field(default=Decimal("0"), ge=0, description="Price per core or host per month.")


class PriceList(BaseModel):
    """One version of the prices, valid from ``effective_from`` to ``effective_to`` (inclusive)."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=64, description="Name of this price list version, e.g. 2026.1.")
    effective_from: date = Field(description="First day the prices apply.")
    effective_to: date | None = Field(default=None, description="Last day the prices apply; open-ended if empty.")
    vmware_licence: Licence = Field(default_factory=Licence, description="VMware vSphere licence price.")
    openshift_licence: Licence = Field(default_factory=Licence, description="OpenShift subscription price.")
    support_per_cluster_month: Decimal = Field(
        default=Decimal("0"), ge=0, description="The included 24/7 support, per cluster and month.")
    network_per_cluster_month: Decimal = Field(
        default=Decimal("0"), ge=0, description="Network cost per cluster and month (0 when not charged).")
    storage_per_gib_month: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Price per GiB-month of PVC capacity by storage class; the key 'default' prices "
        "classes not listed.",
    )
    logging_per_gb: Decimal = Field(default=Decimal("0"), ge=0,
                                    description="Price per GB (10^9 bytes) of logs ingested.")
    markup_percent: Decimal = Field(
        default=Decimal("0"), gt=-100,
        description="Markup on every price in percent; negative for a discount (e.g. -10).")

    @field_validator("storage_per_gib_month")
    @classmethod
    def _storage_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        return _non_negative_rates(value, "storage_per_gib_month")

    @model_validator(mode="after")
    def _dates(self) -> PriceList:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} is before effective_from {self.effective_from}")
        return self

    @property
    def factor(self) -> Decimal:
        return 1 + Decimal(self.markup_percent) / 100


class HostAsset(BaseModel):
    """Purchased vSphere hosts: hardware amortised straight-line over the depreciation period."""

    model_config = ConfigDict(extra="forbid")

    match: str = Field(min_length=1, description="Host name or glob pattern (e.g. 'esx-vc01-*').")
    price: Decimal = Field(ge=0, description="Purchase price of one host.")
    purchase_date: date = Field(description="Date the host was bought; amortisation starts that month.")
    depreciation_months: int = Field(default=60, ge=1, le=240, description="Months over which the price is amortised.")


class AllocationConfig(BaseModel):
    """How cluster pools are split into namespaces."""

    model_config = ConfigDict(extra="forbid")

    cpu_share: Decimal = Field(
        default=Decimal("0.6"), ge=0, le=1,
        description="Part of a node's cost that is CPU; the rest is memory (e.g. 0.6 = 60 % CPU).")
    idle: Literal["owner", "distribute"] = Field(
        default="owner",
        description="Unused capacity of worker nodes: 'owner' charges it to the cluster's owning sector "
        "as purchased-but-unused (shared clusters distribute it); 'distribute' spreads it over tenants "
        "by effective usage.")
    platform_basis: Literal["cpu", "memory"] = Field(
        default="cpu",
        description="Basis on which platform namespaces and control-plane/infra nodes are distributed "
        "to the cluster's tenants: effective CPU or effective memory.")
    source: str | None = Field(
        default=None, description="Only use facts from this source (e.g. prometheus); empty uses all.")


class LabelRate(BaseModel):
    """Rates for namespaces carrying a label value (rate card model)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, description="Namespace label key, e.g. ecs/tier.")
    value: str = Field(description="Label value this rate applies to.")
    cpu_core_hour: Decimal = Field(ge=0, description="Price per core-hour for matching namespaces.")
    memory_gib_hour: Decimal = Field(ge=0, description="Price per GiB-hour for matching namespaces.")


class RateCard(BaseModel):
    """Rates instead of distributed pools."""

    model_config = ConfigDict(extra="forbid")

    basis: Literal["usage", "request", "effective"] = Field(
        default="effective", description="Quantity the CPU and memory rates apply to.")
    cpu_core_hour: Decimal = Field(default=Decimal("0"), ge=0, description="Default price per core-hour.")
    memory_gib_hour: Decimal = Field(default=Decimal("0"), ge=0, description="Default price per GiB-hour.")
    node_month: Decimal = Field(default=Decimal("0"), ge=0,
                                description="Price per node-month, distributed to the cluster's tenants.")
    cluster_month: Decimal = Field(default=Decimal("0"), ge=0,
                                   description="Price per cluster-month, distributed to the cluster's tenants.")
    pvc_per_gib_month: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Price per PVC GiB-month by storage class; 'default' prices classes not listed.")
    label_rates: list[LabelRate] = Field(
        default_factory=list,
        description="Rates for namespaces with a label value; the first match wins, else the defaults.")

    @field_validator("pvc_per_gib_month")
    @classmethod
    def _pvc_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        return _non_negative_rates(value, "pvc_per_gib_month")


class Entitlement(BaseModel):
    """What a sector bought for a period."""

    model_config = ConfigDict(extra="forbid")

    sector: str = Field(min_length=1, description="Sector id, e.g. CTI.")
    cores: Decimal = Field(default=Decimal("0"), ge=0, description="CPU cores purchased.")
    memory_gib: Decimal = Field(default=Decimal("0"), ge=0, description="Memory purchased, GiB.")
    storage_tb: Decimal = Field(default=Decimal("0"), ge=0, description="Storage purchased, TB (10^12 bytes).")
    effective_from: date = Field(description="First day of the purchase.")
    effective_to: date | None = Field(default=None, description="Last day of the purchase; open-ended if empty.")


class CostModelConfig(BaseModel):
    """The cost model and allocation engine."""

    model_config = ConfigDict(extra="forbid")

    model: Literal["pools", "rate_card"] = Field(  # the statement models of chargeback.models
        default=DEFAULT_COST_MODEL,
        description="'pools' distributes cluster cost pools (hardware, licences, support, network, "
        "storage, logging); 'rate_card' charges rates per unit.")
    mode: Literal["showback", "chargeback"] = Field(
        default="chargeback",
        description="'chargeback' statements are invoices; 'showback' ones are informational.")
    currency: str = Field(default="USD", min_length=3, max_length=3, description="ISO 4217 currency of every amount.")
    result_model: str = Field(
        default=DEFAULT_COST_MODEL, min_length=1, max_length=32,
        description="Model name under which namespace totals are also written to chargeback_result "
        "(what the cost page shows when dashboard.cost_model names it).")
    hosts: list[HostAsset] = Field(default_factory=list, description="Purchased vSphere hosts (hardware pool).")
    price_lists: list[PriceList] = Field(
        default_factory=list,
        description="Price list versions; effective periods may not overlap. A month is priced by every "
        "version in force during it, each weighted by the hours (UTC) it covers; every hour must be covered.")
    allocation: AllocationConfig = Field(default_factory=AllocationConfig, description="Allocation policy.")
    rate_card: RateCard = Field(default_factory=RateCard, description="Rates for the rate_card model.")
    entitlements: list[Entitlement] = Field(default_factory=list, description="What each sector bought.")
    sectors: list[str] = Field(
        default_factory=list,
        description="Sectors that may be billed; an entitlement naming another is an error. Empty: "
        "the sectors in the warehouse's sector table.")

    @field_validator("price_lists")
    @classmethod
    def _no_overlap(cls, value: list[PriceList]) -> list[PriceList]:
        ordered = sorted(enumerate(value), key=lambda item: item[1].effective_from)
        seen: set[str] = set()
        for index, price_list in enumerate(value):
            if price_list.version in seen:
                raise ValueError(f"[{index}].version {price_list.version!r} appears twice")
            seen.add(price_list.version)
        for (i, earlier), (j, later) in itertools.pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(
                    f"[{j}].effective_from {later.effective_from} overlaps price list [{i}] "
                    f"({earlier.version}, from {earlier.effective_from} to "
                    f"{earlier.effective_to or 'open end'}); end the earlier one the day before")
        return value

    @field_validator("sectors")
    @classmethod
    def _sector_ids(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for index, sector in enumerate(value):
            if not sector.strip():
                raise ValueError(f"[{index}] is blank; expected a sector id such as CTI")
            if sector in seen:
                raise ValueError(f"[{index}] {sector!r} appears twice")
            seen.add(sector)
        return value

    @model_validator(mode="after")
    def _entitled_sectors_are_known(self) -> CostModelConfig:
        if self.sectors:
            for index, item in enumerate(self.entitlements):
                if item.sector not in self.sectors:
                    raise ValueError(f"entitlements[{index}].sector {item.sector!r} is not among sectors "
                                     f"({', '.join(self.sectors)})")
        return self

    @field_validator("entitlements")
    @classmethod
    def _one_entitlement_at_a_time(cls, value: list[Entitlement]) -> list[Entitlement]:
        by_sector: dict[str, list[tuple[int, Entitlement]]] = {}
        for index, item in enumerate(value):
            by_sector.setdefault(item.sector, []).append((index, item))
        for items in by_sector.values():
            items.sort(key=lambda pair: pair[1].effective_from)
            for (i, earlier), (j, later) in itertools.pairwise(items):
                if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                    raise ValueError(f"[{j}].effective_from {later.effective_from} overlaps entitlement [{i}] "
                                     f"of sector {later.sector}")
        return value


class FlatRateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(default="USD", min_length=3, max_length=3,
                          description="ISO 4217 currency of every amount (one per deployment).")
    cpu_core_hour: Decimal = Field(default=Decimal("0.035"), ge=0,
                                   description="Price of one effective CPU core-hour.")
    memory_gib_hour: Decimal = Field(default=Decimal("0.0045"), ge=0,
                                     description="Price of one effective memory GiB-hour.")
    source: str | None = Field(
        default=None,
        description="Only use usage facts from this source (e.g. prometheus); empty uses all sources.",
    )
