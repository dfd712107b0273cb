"""Settings of incremental collection and of the scheduler that runs it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScheduleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interval_minutes: int = Field(default=60, ge=1, le=24 * 60,
                                  description="How often the scheduler collects every configured source.")
    settle_minutes: int = Field(
        default=5, ge=0, le=24 * 60,
        description="An hour is complete this long after it ends (late scrapes and remote writes land first).")
    first_run_hours: int = Field(default=24, ge=1, le=24 * 366,
                                 description="Hours collected by the first incremental run of a source.")
    max_catchup_hours: int = Field(
        default=24 * 7, ge=1, le=24 * 366,
        description="An incremental run reaches back at most this far; older holes need `collect --start --end`.")
    refill_days: int = Field(default=7, ge=0, le=366,
                             description="Failed windows this recent are collected again by the next run.")
    metrics_port: int | None = Field(default=None, ge=1, le=65535,
                                     description="Port of the scheduler's /metrics endpoint (health); null: none.")
