"""Settings of loading, incremental collection and the scheduler that runs it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class LoadConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slice_hours: int = Field(
        default=168, ge=1, le=24 * 62,
        description="Hours collected and loaded per step; bounds memory per cluster on large estates.",
    )


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
    recollect_hours: dict[str, int] = Field(
        default_factory=lambda: {"elasticsearch": 2},
        description="Per source name, hours before the last complete hour that every incremental run "
        "collects again, for data that lands late (log shipping backlogs); replaced, never doubled. "
        "Sources not named: 0.")
    metrics_port: int | None = Field(default=None, ge=1, le=65535,
                                     description="Port of the scheduler's /metrics endpoint (health); null: none.")

    @field_validator("recollect_hours")
    @classmethod
    def _hours_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for source, hours in value.items():
            if not 0 <= hours <= 24 * 7:
                raise ValueError(f"{source}: {hours} hours; expected 0 to {24 * 7}")
        return value
