"""Configuration of the simulated estate: the user-facing settings and the named size profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.windows import HOUR, Window, as_utc_naive

ProfileName = Literal["tiny", "demo", "enterprise"]


class EstateConfig(BaseModel):
    """Settings of the simulated ECS estate; a profile fixes the sizes, the other fields override it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: ProfileName = Field(
        "demo",
        description="Size profile: 'tiny' (fast tests, 3 days), 'demo' (4 sectors, 8 clusters, "
        "60 days) or 'enterprise' (12 sectors, 40 clusters, 60,000 pods, 30 days).",
    )
    seed: int = Field(42, ge=0, description="Seed of every random choice; the same seed gives the same estate.")
    start: datetime | None = Field(
        None,
        description="First hour of the simulated period (UTC, on an hour boundary); "
        "default: the profile's start.",
    )
    days: int | None = Field(
        None, ge=1, le=3660, description="Length of the simulated period in days; default: the profile's."
    )
    container_facts: bool | None = Field(
        None,
        description="Emit container_usage_hourly rows as well as pod rows; default: on for tiny and "
        "demo, off for enterprise (it adds a row per container-hour).",
    )

    @field_validator("start")
    @classmethod
    def _hour_aligned(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = as_utc_naive(value)
        if value.minute or value.second or value.microsecond:
            raise ValueError("start must lie on an hour boundary")
        return value


@dataclass(frozen=True)
class ProfileSpec:
    """Resolved sizes of one estate (a profile with the config's overrides applied)."""

    name: str
    sectors: tuple[str, ...]
    clusters: int
    shared_clusters: int
    vcenters: int
    zones: int
    tenant_namespaces: int
    tenant_pods: int
    days: int
    start: datetime
    container_facts: bool
    worker_cores: int
    worker_memory_gib: int
    host_cores: int
    host_memory_gib: int
    minimal_platform: bool  # one replica of the core platform workloads only (keeps tiny tiny)
    services_per_cluster: int

    @property
    def hours(self) -> int:
        return self.days * 24

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def hour_range(self, window: Window) -> tuple[int, int]:
        """Hour indices [h0, h1) of ``window`` inside the simulated period (h0 == h1 when outside)."""
        h0 = max(int((window.start - self.start) // HOUR), 0)
        h1 = min(int((window.end - self.start) // HOUR), self.hours)
        return h0, max(h0, h1)


_PROFILES: dict[str, ProfileSpec] = {
    "tiny": ProfileSpec(
        name="tiny", sectors=("CTI", "ICG"), clusters=3, shared_clusters=1, vcenters=2, zones=2,
        tenant_namespaces=10, tenant_pods=68, days=3, start=datetime(2026, 9, 1), container_facts=True,
        worker_cores=16, worker_memory_gib=64, host_cores=32, host_memory_gib=512,
        minimal_platform=True, services_per_cluster=2,
    ),
    "demo": ProfileSpec(
        name="demo", sectors=("CTI", "ICG", "PBWM", "GFTS"), clusters=8, shared_clusters=2, vcenters=2,
        zones=2, tenant_namespaces=152, tenant_pods=2830, days=60, start=datetime(2026, 9, 1),
        container_facts=True, worker_cores=16, worker_memory_gib=64, host_cores=48, host_memory_gib=768,
        minimal_platform=False, services_per_cluster=4,
    ),
    "enterprise": ProfileSpec(
        name="enterprise",
        sectors=("CTI", "ICG", "PBWM", "GFTS", "TTS", "MKTS", "RISK", "FIN", "HR", "LGL", "OPS", "AUD"),
        clusters=40, shared_clusters=6, vcenters=4, zones=2, tenant_namespaces=1760, tenant_pods=59150,
        days=30, start=datetime(2026, 10, 1), container_facts=False, worker_cores=32,
        worker_memory_gib=128, host_cores=64, host_memory_gib=1024, minimal_platform=False,
        services_per_cluster=4,
    ),
}


def resolve(config: EstateConfig) -> ProfileSpec:
    """The profile named by ``config`` with its overrides applied."""
    base = _PROFILES[config.profile]
    changes = {
        "start": config.start if config.start is not None else base.start,
        "days": config.days if config.days is not None else base.days,
        "container_facts": config.container_facts if config.container_facts is not None
        else base.container_facts,
    }
    return ProfileSpec(**{**base.__dict__, **changes})
