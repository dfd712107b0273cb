"""Typed configuration of the vSphere collector: which vCenters, how to reach them, what to ask for."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

# Sampling periods vCenter keeps: 20 s real-time (about an hour, on the hosts), then the historical
# levels "past day" (300 s), "past week" (1800 s), "past month" (7200 s) and "past year" (86400 s).
IntervalChoice = Literal["auto", 20, 300, 1800, 7200, 86400]


class VCenterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200,
                      description="Short name of the vCenter; the scope of its runs and the `vcenter` column.")
    host: str = Field(min_length=1, description="Host name or address of the vCenter's SDK endpoint.")
    port: int = Field(default=443, ge=1, le=65535, description="HTTPS port of the SDK endpoint.")
    username: str = Field(min_length=1, description="Read-only user the collector logs in as.")
    password: SecretStr = Field(description="The user's password, as `{from_env: VAR}` or `{from_file: PATH}`.")
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of the CA certificates that sign the vCenter's certificate; default: the "
                    "system trust store.",
    )
    verify_tls: bool = Field(
        default=True,
        description="Verify the vCenter's TLS certificate and host name. Turning it off needs `insecure: true` "
                    "as well, so it is never off by accident.",
    )
    insecure: bool = Field(
        default=False,
        description="Acknowledges that `verify_tls: false` exposes the password to anyone in the middle.",
    )

    @model_validator(mode="after")
    def _tls_off_only_when_asked(self) -> VCenterConfig:
        if not self.verify_tls and not self.insecure:
            raise ValueError("verify_tls is false but insecure is not true; set both to turn verification off")
        if self.ca_bundle is not None and not self.verify_tls:
            raise ValueError("ca_bundle is set but verify_tls is false; a CA bundle is only used to verify")
        return self


class VSphereConfig(BaseModel):
    """Every vCenter to collect, and how the performance queries are shaped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vcenters: list[VCenterConfig] = Field(min_length=1, description="The vCenters to collect, each its own scope.")
    max_query_metrics: int = Field(
        default=256, ge=1, le=100_000,
        description="Entity-metrics per QueryPerf call. vCenter refuses historical queries above its "
                    "`config.vpxd.stats.maxQueryMetrics` (default 256); raise it only with that setting.",
    )
    interval_seconds: IntervalChoice = Field(
        default="auto",
        description="Sampling period asked of the PerformanceManager. 'auto' takes the finest historical "
                    "interval the vCenter still keeps for the window's start (300 s for the past day, then "
                    "1800, 7200, 86400); 20 asks the hosts' real-time samples (last hour only). Samples are "
                    "rolled up to hourly facts either way.",
    )
    timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600,
        description="Socket timeout of every SOAP call, the login and a large QueryPerf included.")
    page_size: int = Field(
        default=1000, ge=10, le=100_000,
        description="Objects per PropertyCollector page while reading the inventory.",
    )
    event_page_size: int = Field(
        default=1000, ge=1, le=1000,
        description="Events per ReadNextEvents page while reading the VM migration events (vMotion, DRS, "
                    "cold migration) that place each VM-hour on its host; vCenter returns at most 1000.",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> VSphereConfig:
        names = [v.name for v in self.vcenters]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"vCenter names must be unique; repeated: {', '.join(duplicates)}")
        return self
