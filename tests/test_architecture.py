"""Architecture rules (docs/architecture.md), checked on the real code.

- The dependency direction: import-linter's contracts in ``pyproject.toml``.
- No I/O at import time: every project module is imported in a fresh interpreter where opening
  files, listing directories, connecting sockets, starting processes and reading the
  environment raise when project code (not a library it imports) does them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Modules that may not be imported as plain modules: Alembic executes env.py (importing it runs
# migrations) and loads the revision files itself.
NOT_IMPORTABLE = ("warehouse.migrations",)


def _lint_imports_command() -> list[str]:
    script = Path(sys.executable).parent / "lint-imports"
    if script.exists():
        return [str(script)]
    found = shutil.which("lint-imports")
    if found:
        return [found]
    return [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [*_lint_imports_command(), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"import-linter reports broken contracts:\n{result.stdout}\n{result.stderr}"


def test_every_root_package_is_under_contract() -> None:
    """A new top-level package must be added to import-linter's root_packages (and so to the rules)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = set(config["tool"]["importlinter"]["root_packages"])
    on_disk = {
        p.parent.name for p in ROOT.glob("*/__init__.py")
        if p.parent.name not in {"tests", "notebooks", "docs", "config", "scripts"}
    }
    assert on_disk <= roots, f"packages missing from [tool.importlinter].root_packages: {sorted(on_disk - roots)}"


# --------------------------------------------------------------------------- import-time I/O

_PROBE = r'''
import builtins, importlib, io, json, os, socket, subprocess, sys, sysconfig, traceback

root = os.path.realpath(sys.argv[1])
modules = json.loads(sys.argv[2])
stdlib_dirs = tuple(
    os.path.realpath(p) + os.sep for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
)
third_party_dirs = tuple(
    os.path.realpath(p) + os.sep for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
)
venv = os.path.join(root, ".venv") + os.sep


class ImportTimeIO(Exception):
    pass


def _project_caller():
    """Where project code asked for the I/O, or None when a library (or Python) did.

    Walking outwards from the call, standard-library frames are skipped (project code may do I/O
    through pathlib, json, ...). The first other frame decides: project code is an offence,
    a third-party library is not. Reaching the import machinery first means the call came from
    a module being imported with no Python frame of its own (a C extension, or the standard
    library's own import-time set-up), which is not the importing project module's doing.
    """
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<frozen importlib"):
            return None
        if not name.startswith("<"):
            real = os.path.realpath(name)
            is_stdlib = real.startswith(stdlib_dirs) and not real.startswith(third_party_dirs)
            if not is_stdlib:
                if real.startswith(root + os.sep) and not real.startswith((venv, *third_party_dirs)):
                    return f"{os.path.relpath(real, root)}:{frame.f_lineno}"
                return None
        frame = frame.f_back
    return None


def guard(owner, attr, what):
    original = getattr(owner, attr)

    def guarded(*args, **kwargs):
        where = _project_caller()
        if where is not None:
            detail = what(*args) if callable(what) else what
            raise ImportTimeIO(f"{detail} at import time ({where})")
        return original(*args, **kwargs)

    setattr(owner, attr, guarded)


guard(builtins, "open", lambda *a: f"open({a[0]!r})" if a else "open()")
guard(io, "open", lambda *a: f"open({a[0]!r})" if a else "open()")  # pathlib's read_text/open
guard(os, "open", lambda *a: f"os.open({a[0]!r})" if a else "os.open()")
# os.stat is left alone: Path(__file__).resolve() stats the module file, a harmless idiom.
for fn in ("listdir", "scandir"):
    guard(os, fn, lambda *a, fn=fn: f"os.{fn}({a[0]!r})" if a else f"os.{fn}()")
guard(socket.socket, "connect", "socket connect")
guard(socket, "create_connection", "socket connect")
guard(subprocess.Popen, "__init__", "starting a process")
guard(type(os.environ), "__getitem__", lambda *a: f"reading the environment ({a[1]!r})")
guard(type(os.environ), "__iter__", "reading the environment")

report = {}
for name in modules:
    try:
        importlib.import_module(name)
    except ImportTimeIO as exc:
        report[name] = {"kind": "io", "error": str(exc)}
    except BaseException as exc:
        report[name] = {"kind": "error", "error": "".join(traceback.format_exception_only(exc)).strip()}
print("PROBE-REPORT " + json.dumps(report))
'''


def _project_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names: list[str] = []
    for package in config["tool"]["importlinter"]["root_packages"]:
        base = ROOT / package
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[-1:] == ["__main__"]:
                continue
            name = ".".join(parts)
            if any(name == skip or name.startswith(skip + ".") for skip in NOT_IMPORTABLE):
                continue
            names.append(name)
    return names


@pytest.fixture(scope="module")
def import_probe() -> dict[str, dict[str, str]]:
    modules = _project_modules()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP",)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT), json.dumps(modules)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE-REPORT ")]
    assert lines, f"import probe crashed (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("PROBE-REPORT "))


def test_no_module_does_io_at_import_time(import_probe: dict[str, dict[str, str]]) -> None:
    offenders = {name: r["error"] for name, r in import_probe.items() if r["kind"] == "io"}
    assert not offenders, "modules doing I/O at import time:\n" + "\n".join(
        f"  {name}: {error}" for name, error in sorted(offenders.items())
    )


def test_every_module_imports_on_its_own(import_probe: dict[str, dict[str, str]]) -> None:
    broken = {name: r["error"] for name, r in import_probe.items() if r["kind"] == "error"}
    assert not broken, "modules that fail to import:\n" + "\n".join(
        f"  {name}: {error}" for name, error in sorted(broken.items())
    )


def test_the_import_probe_catches_io(tmp_path: Path) -> None:
    """The probe itself works: a module that reads a file at import time is reported."""
    package = tmp_path / "probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "reads_file.py").write_text("CONFIG = open(__file__).read()\n")
    (package / "reads_env.py").write_text("import os\nLEVEL = os.environ.get('PROBE_LEVEL', 'x')\n")
    (package / "reads_path.py").write_text("from pathlib import Path\nTEXT = Path(__file__).read_text()\n")
    (package / "clean.py").write_text("import json\n\ndef load(path):\n    return open(path).read()\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    modules = ["probe_pkg.reads_file", "probe_pkg.reads_env", "probe_pkg.reads_path", "probe_pkg.clean"]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path), json.dumps(modules)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )
    report = json.loads(result.stdout.split("PROBE-REPORT ", 1)[1])
    assert report["probe_pkg.reads_file"]["kind"] == "io"
    assert "open(" in report["probe_pkg.reads_file"]["error"]
    assert report["probe_pkg.reads_env"]["kind"] == "io"
    assert report["probe_pkg.reads_path"]["kind"] == "io"
    assert "probe_pkg.clean" not in report
