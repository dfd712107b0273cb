"""Settings of the Dash app, passed to :func:`dashboards.create_app` (never read from files here)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.names import DEFAULT_SHOWN_MODEL


class DashboardConfig(BaseModel):
    """What the dashboards show and where they are served."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(
        "ECS Insight",
        min_length=1,
        description="Title shown in the page header and the browser tab.",
    )
    cost_model: str = Field(
        DEFAULT_SHOWN_MODEL,
        min_length=1,
        description="Cost model whose chargeback results the cost pages show "
        "(the `model` column of `chargeback_result`).",
    )
    currency_display: Literal["code", "symbol"] = Field(
        "code",
        description="How the currency of the chargeback rows is labelled next to amounts: "
        "'code' shows the ISO code (USD), 'symbol' shows a symbol where one is unambiguous "
        "($, EUR as €, GBP as £) and the code otherwise.",
    )
    chart_months: int = Field(
        12,
        ge=1,
        le=120,
        description="How many of the most recent months the cost-by-sector chart shows.",
    )
    url_base_pathname: str = Field(
        "/",
        description="URL prefix the app is served under, e.g. '/insight/' behind a shared route; "
        "must start and end with '/'.",
    )

    @field_validator("url_base_pathname")
    @classmethod
    def _slashes(cls, value: str) -> str:
        if not (value.startswith("/") and value.endswith("/")):
            raise ValueError("must start and end with '/'")
        return value
