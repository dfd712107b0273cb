"""Settings: the demo config loads, bad files fail with file, field and reason, secrets stay hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from common.errors import ConfigError
from ecs_insight.settings import DEFAULT_CONFIG, PROJECT_ROOT, Settings, iter_settings, load_settings
from ecs_insight.settings_reference import settings_reference


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    return path


def test_demo_config_loads() -> None:
    settings = load_settings(DEFAULT_CONFIG, environ={})
    assert settings.sources.synthetic is not None
    assert settings.sources.synthetic.profile == "demo"
    assert settings.warehouse.url.startswith("duckdb:///")


def test_env_selects_config_and_overrides_warehouse(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 9001\n")
    settings = load_settings(None, environ={"ECS_INSIGHT_CONFIG": str(path),
                                            "ECS_INSIGHT_WAREHOUSE": "postgresql+psycopg://app@db:5432/wh"})
    assert settings.server.port == 9001
    assert settings.warehouse.url == "postgresql+psycopg://app@db:5432/wh"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server:\n  port: 70000\n", "server.port"),
        ("server:\n  prot: 8050\n", "server.prot"),
        ("chargeback:\n  flat:\n    cpu_core_hour: '-1'\n", "chargeback.flat.cpu_core_hour"),
        ("warehouse:\n  url: mysql://x/y\n", "warehouse.url"),
        ("sources:\n  synthetic:\n    profile: galaxy\n", "sources.synthetic.profile"),
        ("logging:\n  level: LOUD\n", "logging.level"),
        ("load:\n  slice_hours: 0\n", "load.slice_hours"),
    ],
)
def test_bad_values_name_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={})
    message = str(err.value)
    assert expected in message
    assert str(path) in message


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: [8050\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+") as err:
        load_settings(path, environ={})
    assert str(path) in str(err.value)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(write(tmp_path, "- a\n- b\n"), environ={})


def test_missing_file_lists_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ECS_INSIGHT_CONFIG"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_secret_from_env_is_masked_and_inline_secret_refused(tmp_path: Path) -> None:
    path = write(tmp_path,
                 "warehouse:\n  url: postgresql+psycopg://app@db/wh\n  password: {from_env: WH_PW}\n")
    settings = load_settings(path, environ={"WH_PW": "s3cret-value"})
    assert "s3cret-value" in settings.warehouse.engine_url()
    assert "s3cret-value" not in settings.warehouse.display_url()
    assert "s3cret-value" not in settings.model_dump_json()
    assert "s3cret-value" not in repr(settings)
    inline = write(tmp_path, "warehouse:\n  password: hunter2\n")
    with pytest.raises(ConfigError, match=r"warehouse\.password") as err:
        load_settings(inline, environ={})
    assert "hunter2" not in str(err.value)


def test_secret_from_file_and_missing_env(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-file\n")
    path = write(tmp_path, "warehouse:\n  url: postgresql+psycopg://app@db/wh\n  password: {from_file: pw}\n")
    assert load_settings(path, environ={}).warehouse.password.get_secret_value() == "from-file"
    missing = write(tmp_path, "warehouse:\n  password: {from_env: NOT_SET_ANYWHERE}\n")
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE"):
        load_settings(missing, environ={})


def test_password_in_url_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "warehouse:\n  url: postgresql+psycopg://app:pw@db/wh\n")
    with pytest.raises(ConfigError, match=r"warehouse\.url"):
        load_settings(path, environ={})


def test_every_setting_is_documented() -> None:
    undocumented = [path for path, _, description in iter_settings() if not description.strip()]
    assert undocumented == [], f"settings without a description: {undocumented}"


def test_configuration_reference_is_current() -> None:
    """docs/configuration.md is generated; regenerate with `ecs-insight config docs --output ...`."""
    current = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    assert current == settings_reference(), "run: ecs-insight config docs --output docs/configuration.md"


def _settings_models(annotation: Any = Settings, found: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    """Every model a settings file can reach: fields, union members, list items and mapping values."""
    found = set() if found is None else found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            _settings_models(field.annotation, found)
    for arg in get_args(annotation):
        _settings_models(arg, found)
    return found


def test_demo_config_mentions_only_known_settings() -> None:
    # extra="forbid" everywhere: the demo file loading (test_demo_config_loads) proves each key is a real setting.
    lenient = sorted(m.__name__ for m in _settings_models() if m.model_config.get("extra") != "forbid")
    assert lenient == [], f"settings models that accept unknown keys: {lenient}"
    known = {path for path, _, _ in iter_settings()}
    assert {"warehouse.url", "sources.synthetic", "chargeback.flat.cpu_core_hour"} <= known
