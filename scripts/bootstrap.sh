#!/usr/bin/env bash
# Install CampusHub on a fresh Debian/Ubuntu machine and run `campushub up`.
#   sudo ./scripts/bootstrap.sh [campushub up options, e.g. --admin NAME]
# Idempotent: a second run only starts the platform.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${CAMPUSHUB_HUB_VENV:-/opt/campushub/hub}

[ "$(id -u)" = 0 ] || { echo "bootstrap: run as root (sudo)" >&2; exit 1; }
need=()
for pkg in python3-venv python3-dev nodejs npm git; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# node/npm may come from elsewhere (nodesource, nvm): only install what is missing
command -v node >/dev/null && need=("${need[@]/nodejs}") && need=("${need[@]/npm}")
if [ -n "${need[*]// /}" ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${need[@]}
fi
# configurable-http-proxy 5 needs Node.js 20 or newer (Debian 12's own is 18)
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "bootstrap: Node.js >= 20 is needed for configurable-http-proxy (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install Node.js 20 or newer (e.g. from your distribution's backports or NodeSource), then run this again." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "$repo"
ln -sf "$venv/bin/campushub" /usr/local/bin/campushub
exec "$venv/bin/campushub" up "$@"
