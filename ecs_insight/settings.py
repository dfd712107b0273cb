"""Settings: one typed configuration read from a YAML file, the environment and secret files.

This is the only module that reads config files and environment variables; every other piece
receives its typed config object as an argument.

Secrets never sit in the YAML file: a secret field is written as ``{from_env: VAR}`` or
``{from_file: PATH}`` and resolved here into a pydantic ``SecretStr`` (masked when printed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analytics.namespace_mapping import NamespaceMappingConfig
from chargeback.config import CostModelConfig, FlatRateConfig
from collectors.elasticsearch.config import ElasticsearchSourceConfig
from collectors.prometheus.config import PrometheusSourceConfig
from collectors.vsphere.config import VSphereConfig
from common.errors import ConfigError
from dashboards.config import DashboardConfig
from ecs_insight.config_yaml import Lines, line_of, parse
from estate import EstateConfig
from ingest.config import LoadConfig, ScheduleConfig
from warehouse.config import WarehouseConfig

ENV_CONFIG = "ECS_INSIGHT_CONFIG"
ENV_WAREHOUSE = "ECS_INSIGHT_WAREHOUSE"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "demo.yaml"
SECRET_KEYS = ("password", "token", "api_key", "secret")


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    synthetic: EstateConfig | None = Field(
        default_factory=EstateConfig,
        description="The built-in simulated ECS estate; null turns it off.",
    )
    vsphere: VSphereConfig | None = Field(
        default=None,
        description="vCenters whose inventory and performance statistics are collected; null turns it off.",
    )
    prometheus: PrometheusSourceConfig | None = Field(
        default=None,
        description="OpenShift usage from each cluster's Prometheus or a Thanos Querier; null turns it off.",
    )
    elasticsearch: ElasticsearchSourceConfig | None = Field(
        default=None,
        description="Log volume per cluster, namespace and hour, and log-based SLIs, from Elasticsearch; "
        "null turns it off.",
    )


class ChargebackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flat: FlatRateConfig = Field(default_factory=FlatRateConfig,
                                 description="Flat rates per effective core-hour and GiB-hour.")
    cost_model: CostModelConfig = Field(
        default_factory=CostModelConfig,
        description="Cost pools or rate card, allocation policy and entitlements behind the monthly statements.")


class ServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address the Dash app listens on.")
    port: int = Field(default=8050, ge=1, le=65535, description="TCP port the Dash app listens on.")


class LoggingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO",
                                                                 description="Lowest level logged.")
    json_format: bool = Field(default=False, description="One JSON object per log line instead of text.")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse: WarehouseConfig = Field(default_factory=WarehouseConfig,
                                       description="Where the warehouse lives.")
    sources: SourcesConfig = Field(default_factory=SourcesConfig, description="Data sources to collect.")
    load: LoadConfig = Field(default_factory=LoadConfig, description="How collected data is loaded.")
    mapping: NamespaceMappingConfig = Field(default_factory=NamespaceMappingConfig,
                                            description="Namespace to sector / application / cost centre.")
    chargeback: ChargebackConfig = Field(default_factory=ChargebackConfig, description="Cost models.")
    server: ServerConfig = Field(default_factory=ServerConfig, description="The web server of the app.")
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig, description="The Dash app.")
    logging: LoggingConfig = Field(default_factory=LoggingConfig, description="Log output.")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig,
                                     description="Incremental collection and the scheduler.")


def config_path(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to read: the explicit one, else $ECS_INSIGHT_CONFIG, else the demo config."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return DEFAULT_CONFIG


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, resolve secrets, apply environment overrides and validate; ConfigError names the problem."""
    env = os.environ if environ is None else environ
    file = config_path(path, env)
    raw, lines = _read_yaml(file)
    raw = _resolve_secrets(raw, file, env, ())
    if env.get(ENV_WAREHOUSE):
        raw.setdefault("warehouse", {})
        if not isinstance(raw["warehouse"], dict):
            raise ConfigError("expected a mapping", file=str(file), field="warehouse")
        raw["warehouse"]["url"] = env[ENV_WAREHOUSE]
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, lines), file=str(file)) from None


def _read_yaml(file: Path) -> tuple[dict[str, Any], Lines]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found (looked at --config, ${ENV_CONFIG}, {DEFAULT_CONFIG})",
                          file=str(file)) from None
    except OSError as exc:
        raise ConfigError(f"config file cannot be read: {exc.strerror}", file=str(file)) from None
    data, lines = parse(text, file)
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping of sections at the top, found {type(data).__name__}",
                          file=str(file))
    return data, lines


def _resolve_secrets(node: Any, file: Path, env: Mapping[str, str], path: tuple[str, ...]) -> Any:
    """Replace {from_env: VAR} / {from_file: PATH} by the secret; refuse inline secrets."""
    if isinstance(node, dict):
        if set(node) in ({"from_env"}, {"from_file"}):
            return _read_secret(node, file, env, path)
        return {k: _resolve_secrets(v, file, env, (*path, str(k))) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_secrets(v, file, env, (*path, str(i))) for i, v in enumerate(node)]
    if path and isinstance(node, str) and any(k in path[-1].lower() for k in SECRET_KEYS):
        raise ConfigError("secrets may not be written in the config file; use {from_env: VAR} or "
                          "{from_file: PATH}", file=str(file), field=".".join(path))
    return node


def _read_secret(ref: dict[str, str], file: Path, env: Mapping[str, str], path: tuple[str, ...]) -> str:
    field = ".".join(path)
    if "from_env" in ref:
        var = str(ref["from_env"])
        if var not in env:
            raise ConfigError(f"environment variable {var} is not set", file=str(file), field=field)
        return env[var]
    secret_file = Path(str(ref["from_file"]))
    if not secret_file.is_absolute():
        secret_file = file.parent / secret_file
    try:
        return secret_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"secret file {secret_file} cannot be read: {exc.strerror}",
                          file=str(file), field=field) from None


def _describe(exc: ValidationError, lines: Lines) -> str:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        path = tuple(str(p) for p in err["loc"])
        line = line_of(lines, path)
        field = ".".join(path) or "(top level)"
        problems.append(f"{field}{f' (line {line})' if line else ''}: {err['msg']}")
    return "invalid settings: " + "; ".join(problems)


def iter_settings(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, str, str]]:
    """Every setting as (dotted path, type, description), depth first, for docs and checks."""
    rows: list[tuple[str, str, str]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _model_of(field.annotation)
        rows.append((path, _type_name(field.annotation), field.description or ""))
        if nested is not None:
            rows.extend(iter_settings(nested, f"{path}."))
    return rows


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "").replace("pydantic.types.", "").replace("decimal.", "")
