"""What `python -m benchmarks.spawn`, `.classroom` and `.analytics` share around their measurements."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from .common import log


class Interrupted(BaseException):
    """SIGTERM/SIGINT: a BaseException, so no `except Exception` on the way swallows it."""


def _on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


def run(prefix: str, measure: Callable[[Path, list[dict]], dict], tidy: Callable[[Path], None],
        summarize: Callable[[list[dict]], dict], render: Callable[[dict], str], json_path: str | None) -> int:
    """measure(workdir, phases) in a fresh work dir, filling `phases` as it goes; tidy(workdir) whatever
    happened, signals held off meanwhile; then render(result) and the JSON (also of an interrupted run)."""
    if os.geteuid() != 0:
        raise SystemExit("run as root: the benchmark creates unix accounts")
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(workdir, 0o755)
    phases: list[dict] = []
    result: dict = {}
    code = 1
    t0 = time.monotonic()
    try:
        result = measure(workdir, phases)
        code = 0
    except Interrupted as e:
        log(f"interrupted ({e}); cleaning up")
        code = 130
    except Exception:
        traceback.print_exc()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            tidy(workdir)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if phases and "summary" not in result:
        result.update(phases=phases, summary=summarize(phases), incomplete=True)
    if result.get("summary"):
        print(render(result))
        print()
        print(json.dumps(result, indent=1))
        if json_path:
            Path(json_path).write_text(json.dumps(result, indent=1) + "\n")
            log(f"wrote {json_path}")
    log(f"finished in {time.monotonic() - t0:.0f}s")
    return code
