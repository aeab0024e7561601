"""`campushub service install|remove`: a systemd unit that runs `campushub up` at boot."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .. import config as site_config
from ..deploy.local import service_unit
from .main import CommandError


def register(sub) -> None:
    p = sub.add_parser("service", help="install or remove a systemd unit that runs `campushub up` at boot")
    cmds = p.add_subparsers(dest="service_command", required=True, metavar="ACTION")
    install = cmds.add_parser("install", help="write, enable and start campushub[-NAME].service")
    install.add_argument("--config", metavar="FILE", help="site configuration the service runs with")
    install.add_argument("--data-dir", metavar="DIR", help="state directory (overrides the config's data_dir)")
    install.add_argument("--name", metavar="NAME", help="campushub-NAME.service, for a second site on this machine")
    install.add_argument("--no-start", action="store_true", help="enable for the next boot, do not start now")
    install.set_defaults(func=_install)
    remove = cmds.add_parser("remove", help="stop, disable and delete the unit (user servers keep running)")
    remove.add_argument("--name", metavar="NAME", help="as given to `service install`")
    remove.set_defaults(func=_remove)


def _name(args) -> str:
    if args.name and not service_unit.NAME_RE.match(args.name):
        raise CommandError(f"--name {args.name!r}: use lower-case letters, digits and '-' (at most 41).")
    return service_unit.unit_name(args.name)


def _install(args) -> int:
    name = _name(args)
    config_file = Path(args.config).resolve() if args.config else None
    config = site_config.load(str(config_file) if config_file else None)  # a broken file is refused now
    data_dir = Path(args.data_dir).resolve() if args.data_dir else Path(config["data_dir"])
    path = service_unit.UNIT_DIR / name
    text = service_unit.render(config_file, data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as e:
        raise CommandError(f"cannot write {path}: {e.strerror}; run as root.") from None
    print(f"Wrote {path} (runs: campushub up{' --config ' + str(config_file) if config_file else ''} "
          f"--data-dir {data_dir}).")
    if not _systemd():
        print("systemd is not running here: enable it where it runs with "
              f"`systemctl enable --now {name}`.")
        return 0
    _systemctl("daemon-reload")
    _systemctl("enable", name) if args.no_start else _systemctl("enable", "--now", name)
    print(f"Enabled{'' if args.no_start else ' and started'} {name}; logs: journalctl -u {name}. "
          "Stop a `campushub up` running in a terminal first: one `up` per data dir.")
    return 0


def _remove(args) -> int:
    name = _name(args)
    path = service_unit.UNIT_DIR / name
    if not path.exists():
        raise CommandError(f"{path} does not exist; nothing to remove.")
    if _systemd():
        _systemctl("disable", "--now", name)  # SIGTERM to `up`: hub and proxy stop, servers stay
    path.unlink()
    if _systemd():
        _systemctl("daemon-reload")
    print(f"Removed {path}. User servers keep running; `campushub down --stop-servers` stops them.")
    return 0


def _systemd() -> bool:
    return os.path.isdir("/run/systemd/system") and shutil.which("systemctl") is not None


def _systemctl(*args: str) -> None:
    r = subprocess.run(["systemctl", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise CommandError(f"systemctl {' '.join(args)} failed: {(r.stderr or r.stdout).strip()}")
