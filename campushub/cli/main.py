"""The `campushub` command: one sub-command per module in this package."""

from __future__ import annotations

import argparse
import sys

from ..config import ConfigError


def _parser() -> argparse.ArgumentParser:
    from . import config_cmd, content, down, env, status, up

    parser = argparse.ArgumentParser(prog="campushub", description="Run and manage a CampusHub site.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (up, down, status, env, content, config_cmd):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except ConfigError as e:
        print(f"campushub: configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except CommandError as e:
        print(f"campushub: {e}", file=sys.stderr)
        return e.status


class CommandError(RuntimeError):
    """A failure the user can act on; printed without a traceback."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


if __name__ == "__main__":
    sys.exit(main())
