#!/usr/bin/env bash
# Refreshes requirements/constraints.txt, the exact versions scripts/bootstrap.sh installs: a new
# virtual environment in a temporary folder gets the project with its dev extras (which include
# the bench extra) from pyproject.toml's ranges alone, unpinned, and its `pip freeze` becomes the
# constraints file. Run it after changing dependencies in pyproject.toml, or to take newer
# releases; then run the test suite (bash scripts/test.sh) and commit the file with the change.
# PYTHON=/path/to/python3 picks the interpreter (default: python3 on PATH; the one CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "lock: $*" >&2
    exit 1
}

python=${PYTHON:-python3}
out=requirements/constraints.txt
work=$(mktemp -d -t ecs-insight-lock.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/pip.log

echo "lock: resolving pyproject.toml in a new virtual environment ($work)"
"$python" -m venv "$work/venv" || fail "cannot create a virtual environment with $python (set PYTHON)"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --upgrade pip >"$log" 2>&1 || { tail -n 30 "$log" >&2; fail "upgrading pip failed"; }
"${pip[@]}" install -e '.[dev]' >"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "pip install -e '.[dev]' failed"; }

mkdir -p "$(dirname "$out")"
{
    echo "# Exact versions of every package the project's environment installs (dev and bench extras"
    echo "# included), as resolved from pyproject.toml by scripts/lock.sh; scripts/bootstrap.sh installs"
    echo "# with -c this file. Do not edit by hand: change pyproject.toml and run bash scripts/lock.sh."
    echo "# Resolved with $("$work/venv/bin/python" -c 'import platform; print("CPython", platform.python_version(), "on", platform.system(), platform.machine())')."
    # pip itself too: bootstrap.sh upgrades the venv's pip to this version before installing.
    "${pip[@]}" freeze --all --exclude-editable | grep -i '^pip=='
    "${pip[@]}" freeze --exclude-editable
} >"$work/constraints.txt"
mv "$work/constraints.txt" "$out"
echo "lock: wrote $out ($(grep -cv '^#' "$out") packages)"
