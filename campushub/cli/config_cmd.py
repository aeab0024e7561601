"""`campushub config show|check`."""

from __future__ import annotations

import sys

from ruamel.yaml import YAML

from .. import config as site_config


def register(sub) -> None:
    p = sub.add_parser("config", help="show or check the site configuration")
    cmds = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = cmds.add_parser("show", help="print the effective configuration (defaults filled in)")
    show.add_argument("--config", metavar="FILE", help="site configuration file (default: none)")
    show.set_defaults(func=_show)
    check = cmds.add_parser("check", help="validate a configuration file")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(func=_check)


def _show(args) -> int:
    YAML().dump(site_config.load(args.config), sys.stdout)
    return 0


def _check(args) -> int:
    site_config.load(args.file)
    print(f"{args.file}: OK")
    return 0
