"""python -I -m campushub_forkserver --socket SOCK --exits DIR (as root)."""

from __future__ import annotations

import argparse
import sys

from .parent import serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="campushub_forkserver",
                                     description="Start single-user servers forked from a pre-warmed parent.")
    parser.add_argument("--socket", required=True, help="the unix socket to listen on (its directory: root, 0700)")
    parser.add_argument("--exits", required=True, help="directory for one exit-status file per child")
    args = parser.parse_args()
    return serve(args.socket, args.exits)


if __name__ == "__main__":
    sys.exit(main())
