#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (as root:
# the tests create unix users and cgroups).
#   sudo ./scripts/test.sh [pytest options]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (sudo)" >&2; exit 1; }

# System packages: Chromium for the browser tests (never a downloaded browser),
# Japanese fonts for the Japanese pages, PostgreSQL for the database tests.
pkgs=(python3-venv python3-dev nodejs npm git chromium fonts-noto-cjk postgresql bubblewrap procps slapd ldap-utils openssl)
need=()
for pkg in "${pkgs[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
command -v node >/dev/null && command -v npm >/dev/null && need=($(printf '%s\n' "${need[@]}" | grep -vx -e nodejs -e npm || true))
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

venv=${CAMPUSHUB_TEST_VENV:-$repo/.venv}
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -e ".[test]"

# Lint before any test starts (rules: [tool.ruff] in pyproject.toml; `ruff check --fix` fixes most).
"$venv/bin/ruff" check "$repo"

mkdir -p test-artifacts
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
