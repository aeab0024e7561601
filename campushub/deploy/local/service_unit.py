"""A systemd unit that runs `campushub up` in the foreground, so a site
survives a reboot and restarts after a crash.

KillMode=process: `systemctl stop` sends SIGTERM to `up` alone, which stops
the hub and the proxy it started (see cli/supervise.py). Without it systemd
would also kill every process left in the unit's cgroup, and on cgroup v1
(where the spawner moves servers only in the cpu, memory and pids
hierarchies) that includes learners' servers, which must survive a restart.
ExecReload sends SIGHUP, as a second `campushub up` does (cli/up_restart.py).
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

UNIT_DIR = Path("/etc/systemd/system")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def unit_name(site: str | None) -> str:
    return "campushub.service" if not site else f"campushub-{site}.service"


def render(config_file: Path | None, data_dir: Path) -> str:
    argv = [sys.executable, "-m", "campushub", "up"]
    if config_file:
        argv += ["--config", str(config_file)]
    argv += ["--data-dir", str(data_dir)]
    return f"""\
# Written by `campushub service install`; `campushub service remove` deletes it.
[Unit]
Description=CampusHub (JupyterHub and configurable-http-proxy) for {str(data_dir).replace("%", "%%")}
Wants=network-online.target
After=network-online.target postgresql.service slapd.service

[Service]
Type=simple
ExecStart={shlex.join(argv).replace("%", "%%")}
# `systemctl reload`: the hub restarts with the configuration file read again; servers keep running
ExecReload=/bin/kill -HUP $MAINPID
# CAMPUSHUB_API_TOKEN=... for automation, if wanted
EnvironmentFile=-/etc/campushub/environment
Environment=PYTHONUNBUFFERED=1
KillMode=process
TimeoutStopSec=90
SuccessExitStatus=130 143
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""
