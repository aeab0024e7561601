"""MkDocs' strict build in a child process of the same Python: `up` and the
CLI keep MkDocs, Material and their plugins out of their own memory, and
MkDocs' log records come back whole, one JSON object a line, to be turned
into the portal's one-line messages (messages.py).

Run as `python -m campushub.help.mkdocs_run MKDOCS_YML`."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

# Material prints an end-of-life banner for MkDocs 2 on import unless this is set
ENV = {"NO_MKDOCS_2_WARNING": "1"}


def run(mkdocs_yml: Path, timeout: float = 600) -> tuple[bool, list[str]]:
    """(built, MkDocs' warnings and errors as they were logged)."""
    env = {**os.environ, **ENV}
    try:
        proc = subprocess.run([sys.executable, "-m", __name__, str(mkdocs_yml)], env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, [f"MkDocs did not finish within {timeout:.0f} s"]
    records = []
    for line in proc.stdout.splitlines():
        try:
            records.append(json.loads(line)["message"])
        except (ValueError, KeyError, TypeError):
            continue
    if proc.returncode != 0 and not records:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        records.append(f"MkDocs failed: {tail}")
    return proc.returncode == 0, records


class _Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(json.dumps({"level": record.levelname, "message": record.getMessage()}), flush=True)


def main(mkdocs_yml: str) -> int:
    os.environ.update(ENV)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.INFO)  # strict counts WARNING and above; below that nothing is reported
    handler = _Collect(logging.WARNING)
    logger.addHandler(handler)
    try:
        build(load_config(mkdocs_yml, strict=True))
    except MkDocsException as e:
        # "Aborted with 2 warnings in strict mode!" adds nothing to the warnings themselves
        if not str(e).startswith("Aborted with"):
            handler.emit(logging.makeLogRecord({"levelname": "ERROR", "msg": str(e)}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
