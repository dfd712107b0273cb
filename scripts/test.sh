#!/usr/bin/env bash
# The test command (README): system packages, Python environment, then ruff, the import contracts
# (import-linter) and pytest. Arguments go to pytest, e.g.
#   bash scripts/test.sh tests/warehouse -k migrations
# Every stage runs even when an earlier one failed; the exit status is non-zero if any failed.
# pytest runs in one process (no xdist): the session starts each real server once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-system-deps.sh
bash scripts/bootstrap.sh

export VIRTUAL_ENV=$root/.venv
export PATH=$VIRTUAL_ENV/bin:$PATH

failed=()
stage() {
    local name=$1
    shift
    echo
    echo "==> $name"
    local start=$SECONDS
    if "$@"; then
        echo "==> $name: ok ($((SECONDS - start)) s)"
    else
        local rc=$?
        echo "==> $name: FAILED (exit $rc, $((SECONDS - start)) s)"
        failed+=("$name")
    fi
}

stage "ruff" ruff check .
stage "import contracts" lint-imports
stage "pytest" pytest "$@"

echo
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all stages passed"
