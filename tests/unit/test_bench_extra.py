"""A benchmark whose own dependencies are missing (a plain install without the bench extra) stops with
a message naming the extra to install, not a ModuleNotFoundError; the other benchmarks still load."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import names

# The interpreter with the package hidden as if never installed: `import psutil` then raises
# ModuleNotFoundError (name="psutil") and importlib.util.find_spec("psutil") returns None.
HIDE_PSUTIL = "import sys; sys.modules['psutil'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", HIDE_PSUTIL + code], capture_output=True, text=True, timeout=120)


def test_the_cli_names_the_bench_extra() -> None:
    result = _run("from ecs_insight.cli import app; app(['bench', 'collect-elasticsearch', '--profile', 'tiny'])")

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "benchmark 'collect-elasticsearch' needs the Python package 'psutil'" in output
    assert "pip install 'ecs-insight[bench]'" in output


def test_only_the_benchmark_that_needs_the_package_is_stopped() -> None:
    code = (
        "import importlib\n"
        "import bench\n"
        "importlib.import_module('bench.load')\n"
        "print('load imports')\n"
        "bench.run_benchmark('collect-elasticsearch', 'tiny')\n"
    )

    result = _run(code)

    assert "load imports" in result.stdout
    assert "PermanentError: benchmark 'collect-elasticsearch' needs the Python package 'psutil'" in result.stderr


def test_a_missing_module_of_an_installed_package_is_not_blamed_on_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench

    monkeypatch.setitem(bench._MODULES, "broken", "bench.no_such_module")

    with pytest.raises(ModuleNotFoundError, match=r"bench\.no_such_module"):
        bench.run_benchmark("broken", "tiny")


def test_names_do_not_import_the_benchmarks() -> None:
    result = _run("import sys, bench; print(bench.names()); print(any(m.startswith('bench.') for m in sys.modules))")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[1] == "False"
    assert "collect-elasticsearch" in names()
