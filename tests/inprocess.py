"""A command's main(argv) run inside the test process, its output captured.

It returns what `subprocess.run(..., capture_output=True, text=True)` would,
so a test asserts the same exit status, stdout and stderr, without the 1.5-2 s
a fresh interpreter spends importing CampusHub, the hub and the renderer each
time. The fast tier ran ~60 CLI subprocesses. Keep at least one test per entry
point on the real subprocess (tests/harness.py `campushub`) to prove the
entry point itself works.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Callable, Mapping
from unittest import mock


def run(main: Callable[[list[str]], int | None], argv: list[str],
        env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """`main(argv)` with stdout and stderr captured; `env` replaces os.environ meanwhile, as a child's would."""
    out, err = io.StringIO(), io.StringIO()
    environ = mock.patch.dict(os.environ, env, clear=True) if env is not None else contextlib.nullcontext()
    with environ, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as e:  # argparse's usage errors and --help, as the interpreter reports them
            code = e.code
            if code is not None and not isinstance(code, int):
                print(code, file=err)
                code = 1
            status = code
    return subprocess.CompletedProcess(argv, status or 0, out.getvalue(), err.getvalue())


def campushub(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """`campushub ARGS` as tests/harness.py `campushub` runs it, in this process."""
    from campushub.cli.main import main

    return run(main, list(args), env)
