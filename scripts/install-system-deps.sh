#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (real PostgreSQL, Prometheus, Go + govmomi for
# the vSphere simulator, Chromium + chromedriver for browser tests, poppler for PDF checks,
# openssl for the test CA of TLS tests).
# Idempotent: when every package is already installed it does not touch apt at all.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
    prometheus
    golang-go
    golang-github-vmware-govmomi-dev
    postgresql
    chromium
    chromium-driver
    poppler-utils
    openssl
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "system packages: all ${#PACKAGES[@]} present"
    exit 0
fi

fail() {
    echo "install-system-deps: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install manually: ${missing[*]}"

sudo=()
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "missing ${missing[*]} and not root (no sudo to install them)"
    sudo=(sudo)
fi

log=$(mktemp -t install-system-deps.XXXXXX.log)
trap 'rm -f "$log"' EXIT
echo "system packages: installing ${missing[*]} (apt output in case of failure only)"
start=$SECONDS

if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "apt-get update failed (see above); is a Debian mirror reachable?"
fi

if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "apt-get install of ${missing[*]} failed (see above)"
fi

for pkg in "${missing[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || fail "$pkg is still not installed after apt-get install"
done
echo "system packages: installed ${#missing[@]} in $((SECONDS - start)) s"
