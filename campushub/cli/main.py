"""The `campushub` command: one sub-command per module in this package."""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..config import ConfigError
from ..deploy.local.tools import MissingTool


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        hub = version("jupyterhub")
    except PackageNotFoundError:
        hub = "not installed"
    return f"campushub {__version__} (JupyterHub {hub}, Python {sys.version.split()[0]})"


def _parser() -> argparse.ArgumentParser:
    from . import assignment, config_cmd, content, down, env, grade, jobs, k8s, retention, service, status, up, users
    from . import help as help_cmd

    parser = argparse.ArgumentParser(prog="campushub", description="Run and manage a CampusHub site.")
    parser.add_argument("--version", action="version", version=_versions())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (up, down, status, service, env, content, assignment, grade, config_cmd, k8s, retention, users,
                   jobs, help_cmd):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        status = args.func(args) or 0
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # `campushub config show | head`: the reader has what it wanted.
        # Point stdout at /dev/null so Python's final flush stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # what a process killed by SIGPIPE reports
    except ConfigError as e:
        print(f"campushub: configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except CommandError as e:
        print(f"campushub: {e}", file=sys.stderr)
        return e.status
    except PermissionError as e:
        # e.g. `status` as a normal user: the data dir is root's (0700)
        where = f": {e.filename}" if e.filename else ""
        print(f"campushub: {e.strerror or e}{where}; run this command as root.", file=sys.stderr)
        return 1
    except MissingTool as e:  # a system command is not installed: one line naming its Debian package
        print(f"campushub: {e}", file=sys.stderr)
        return 1


class CommandError(RuntimeError):
    """A failure the user can act on; printed without a traceback."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


if __name__ == "__main__":
    sys.exit(main())
