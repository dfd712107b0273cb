#!/usr/bin/env bash
# Creates the project's virtual environment in .venv and installs the project with its dev extras
# (editable) at the exact versions of requirements/constraints.txt (refreshed by scripts/lock.sh),
# so every machine gets what CI tested. Idempotent and fast when nothing changed: the install runs
# only when pyproject.toml or the constraints differ from the ones last installed (a hash kept in
# .venv/.ecs-insight-installed).
# PYTHON=/path/to/python3 picks the interpreter (default: python3 on PATH; 3.11 or newer).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "bootstrap: $*" >&2
    exit 1
}

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || fail "$python not found; install Python 3.11+ or set PYTHON"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || fail "Python 3.11+ required, $python is $("$python" -c 'import sys; print(sys.version.split()[0])')"

venv=.venv
stamp=$venv/.ecs-insight-installed
constraints=requirements/constraints.txt
[[ -f $constraints ]] || fail "$constraints is missing; run bash scripts/lock.sh to create it"

# A venv whose interpreter no longer runs (e.g. the base Python moved) is rebuilt.
if [[ -d $venv ]] && ! "$venv/bin/python" -c 'pass' >/dev/null 2>&1; then
    echo "bootstrap: $venv is broken; recreating it"
    rm -rf "$venv"
fi
if [[ ! -x $venv/bin/python ]]; then
    echo "bootstrap: creating $venv with $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$python" -m venv "$venv"
fi

want=$( { sha256sum pyproject.toml "$constraints"; "$venv/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    echo "bootstrap: $venv up to date"
    exit 0
fi

start=$SECONDS
echo "bootstrap: installing the project and its dev dependencies into $venv"
log=$(mktemp -t bootstrap-pip.XXXXXX.log)
trap 'rm -f "$log"' EXIT
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
if ! "${pip[@]}" install -c "$constraints" --upgrade pip >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "upgrading pip failed (see above)"
fi
if ! "${pip[@]}" install -c "$constraints" -e '.[dev]' >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "pip install -c $constraints -e '.[dev]' failed (see above; after changing pyproject.toml's" \
        "dependencies, refresh the constraints with bash scripts/lock.sh)"
fi
echo "$want" >"$stamp"
echo "bootstrap: done in $((SECONDS - start)) s"
