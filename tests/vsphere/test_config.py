"""vSphere settings: secrets from env or files, TLS on unless explicitly off, errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from common.errors import ConfigError
from ecs_insight.settings import load_settings
from ecs_insight.sources import build_collector


def write(tmp_path: Path, vcenters: list[dict], **extra: object) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"sources": {"vsphere": {"vcenters": vcenters, **extra}}}), encoding="utf-8")
    return path


def vcenter(**fields: object) -> dict:
    return {"name": "vc01", "host": "vcsa01.example.net", "username": "svc-ecs",
            "password": {"from_env": "VC01_PASSWORD"}, **fields}


def test_password_from_env_or_file_and_tls_verified_by_default(tmp_path: Path) -> None:
    (tmp_path / "vc02.secret").write_text("from-file\n", encoding="utf-8")
    path = write(tmp_path, [vcenter(), vcenter(name="vc02", password={"from_file": "vc02.secret"},
                                               ca_bundle="/etc/pki/vc-ca.pem")])
    settings = load_settings(path, environ={"VC01_PASSWORD": "from-env"})
    cfg = settings.sources.vsphere
    assert cfg is not None
    first, second = cfg.vcenters
    assert first.password.get_secret_value() == "from-env" and "from-env" not in repr(cfg)
    assert second.password.get_secret_value() == "from-file"
    assert first.verify_tls and second.verify_tls and str(second.ca_bundle) == "/etc/pki/vc-ca.pem"
    assert cfg.max_query_metrics == 256 and cfg.interval_seconds == "auto" and first.port == 443
    assert build_collector("vsphere", settings).source == "vsphere"


def test_vsphere_is_off_unless_configured(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("{}", encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.sources.vsphere is None
    with pytest.raises(ConfigError, match=r"sources\.vsphere"):
        build_collector("vsphere", settings)


@pytest.mark.parametrize(("vcenters", "extra", "environ", "named"), [
    ([vcenter(password="inline")], {}, {}, "sources.vsphere.vcenters.0.password"),
    ([vcenter()], {}, {}, "VC01_PASSWORD"),
    ([vcenter(verify_tls=False)], {}, {"VC01_PASSWORD": "x"}, "sources.vsphere.vcenters.0"),
    ([vcenter(port=0)], {}, {"VC01_PASSWORD": "x"}, "sources.vsphere.vcenters.0.port"),
    ([vcenter(), vcenter()], {}, {"VC01_PASSWORD": "x"}, "repeated: vc01"),
    ([vcenter()], {"max_query_metrics": 0}, {"VC01_PASSWORD": "x"}, "sources.vsphere.max_query_metrics"),
    ([vcenter()], {"interval_seconds": 60}, {"VC01_PASSWORD": "x"}, "sources.vsphere.interval_seconds"),
    ([vcenter(hostname="x")], {}, {"VC01_PASSWORD": "x"}, "sources.vsphere.vcenters.0.hostname"),
    ([], {}, {}, "sources.vsphere.vcenters"),
])
def test_bad_settings_name_the_field(tmp_path: Path, vcenters: list[dict], extra: dict, environ: dict,
                                     named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, vcenters, **extra), environ=environ)
    assert named in str(caught.value)


def test_verification_off_only_when_insecure_is_acknowledged(tmp_path: Path) -> None:
    path = write(tmp_path, [vcenter(verify_tls=False, insecure=True)])
    cfg = load_settings(path, environ={"VC01_PASSWORD": "x"}).sources.vsphere
    assert cfg is not None and not cfg.vcenters[0].verify_tls


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    from ecs_insight.settings import PROJECT_ROOT

    secret = tmp_path / "vcsa02"
    secret.write_text("pw2", encoding="utf-8")
    text = (PROJECT_ROOT / "config" / "vsphere.example.yaml").read_text(encoding="utf-8")
    path = tmp_path / "example.yaml"
    path.write_text(text.replace("/run/secrets/vcsa02-password", str(secret)), encoding="utf-8")
    cfg = load_settings(path, environ={"ECS_INSIGHT_VCSA01_PASSWORD": "pw1"}).sources.vsphere
    assert cfg is not None and [v.name for v in cfg.vcenters] == ["vcsa01", "vcsa02"]
    assert cfg.vcenters[1].password.get_secret_value() == "pw2"
