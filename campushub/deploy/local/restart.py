"""How a second `campushub up` hands a new configuration to the running one.

The second `up` validates its configuration, leaves its arguments in run/
and sends SIGHUP to the recorded `up` (so does `systemctl reload`, without
arguments: then the running `up` reads its own configuration file again).
The running `up` re-executes itself with os.execv: the same pid, so a
terminal or a systemd unit keeps its main process, and the processes it
started stay its children. The fresh process adopts them (the proxy, the fork
servers, our services; the user servers never were its children) and replaces
only the hub. Its progress and its result go to files in run/ that the
second `up` shows.

The lock that makes an `up` the only one of its data dir is an open file
(flock): its descriptor is kept open across the exec, so no other `up` can
take over the data dir in between.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .layout import Layout

ADOPT_ENV = "CAMPUSHUB_UP_ADOPT"
# held back across the exec and let through once the fresh process has its handlers
HELD = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


@dataclass
class Adoption:
    """What a re-executed `up` is told by the one it replaced."""

    data_dir: str
    lock_fd: int
    request: str | None = None  # the second `up` waiting for the result; None: systemctl reload
    previous: list[str] | None = None  # the arguments to go back to if the new ones fail; None: none left
    args: list[str] = field(default_factory=list)
    failed: str | None = None  # going back: why the restart before failed (said once back, or not)
    # the operator's command line of the configuration that ran before this exec: once this `up`
    # has gone back to `previous`, a plain SIGHUP (systemctl reload) reads that command line's
    # file again, not run/previous-config.json
    origin: list[str] | None = None


def request_file(layout: Layout) -> Path:
    return layout.run_dir / "restart-request.json"


def progress_file(layout: Layout, request: str) -> Path:
    return layout.run_dir / f"restart-{request}.progress"


def result_file(layout: Layout, request: str) -> Path:
    return layout.run_dir / f"restart-{request}.json"


def _write(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)  # a reader never sees half of it


def ask(layout: Layout, args: list[str]) -> str | None:
    """Leave the arguments for the running `up`; the caller then signals it.
    None if another request waits: two second `up`s at once would otherwise
    replace each other's request, and one would wait for an answer that
    never comes (linked into place, so only one of them gets the name)."""
    request = uuid.uuid4().hex
    path = request_file(layout)
    mine = path.with_name(f"{path.name}.{request}.tmp")
    _write(mine, {"id": request, "args": args})
    try:
        os.link(mine, path)
    except FileExistsError:
        return None
    finally:
        mine.unlink()
    return request


def take(layout: Layout) -> dict | None:
    """The waiting request, removed, if one was left (by our own account only)."""
    path = request_file(layout)
    try:
        if path.lstat().st_uid != os.geteuid():
            return None
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)
    if not (isinstance(data, dict) and isinstance(data.get("args"), list)
            and all(isinstance(a, str) for a in data["args"]) and str(data.get("id", "")).isalnum()):
        return None
    return data


def withdraw(layout: Layout, request: str) -> None:
    """Take back this request if it still waits (not another second `up`'s that came after)."""
    path = request_file(layout)
    try:
        if json.loads(path.read_text()).get("id") == request:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def keep_previous(layout: Layout, args: list[str]) -> list[str]:
    """The arguments that bring back the configuration running now, if the next one fails.

    Not the command line itself: its file is what the operator has just
    changed. A copy of the effective configuration this `up` runs with is."""
    saved = layout.run_dir / "previous-config.json"
    try:
        text = layout.config_copy.read_text()
        _write(saved, json.loads(text))
    except (OSError, ValueError):
        return args
    return ["up", "--config", str(saved), "--data-dir", str(layout.data_dir)]


def leftovers(layout: Layout) -> list[Path]:
    """What restarts leave in run/, for the `up` that stops to remove."""
    run = layout.run_dir
    return [run / "previous-config.json", request_file(layout), *run.glob("restart-*"), *run.glob("*.settings")]


def adoption_from_env() -> Adoption | None:
    """The re-executed `up`'s instructions, taken out of the environment so no child inherits them."""
    text = os.environ.pop(ADOPT_ENV, None)
    if not text:
        return None
    try:
        adoption = Adoption(**json.loads(text))
        held, lock = os.fstat(adoption.lock_fd), Layout(Path(adoption.data_dir)).up_lock.stat()
    except (ValueError, TypeError, OSError):
        return None
    if (held.st_dev, held.st_ino) != (lock.st_dev, lock.st_ino):
        return None  # not the lock an `up` handed on: start as any `up` does
    os.set_inheritable(adoption.lock_fd, False)
    return adoption


def command_line(adoption: Adoption | None) -> list[str]:
    """The operator's command line this `up` applies: its own, unless it went back after a
    failed restart (then it runs `previous`, a copy of the configuration, not a command line)."""
    if adoption is not None and adoption.failed and adoption.origin:
        return adoption.origin
    return sys.argv[1:]


def reexec(data_dir: Path, lock_fd: int, args: list[str], request: str | None,
           previous: list[str] | None, failed: str | None = None, origin: list[str] | None = None) -> None:
    """Become `python -m campushub ARGS`, keeping the pid, the lock and the children."""
    os.set_inheritable(lock_fd, True)
    adoption = Adoption(str(data_dir), lock_fd, request, previous, args, failed, origin)
    os.environ[ADOPT_ENV] = json.dumps(asdict(adoption))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # a SIGHUP (default action: exit) or a Ctrl-C during the exec waits for the fresh process's handlers
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    for signum in HELD:
        signal.signal(signum, signal.SIG_DFL)
    os.execv(sys.executable, [sys.executable, "-m", "campushub", *args])


def fall_back(adoption: Adoption | None, error: str) -> None:
    """After a failed restart, go back to the arguments from before (once). The second `up`
    hears of it from the `up` that went back (its progress, then up_restart.done), or, if
    going back failed too, here: saying "went back" before would tell the operator the site
    is back while everything stops."""
    if adoption is None:
        return
    if adoption.previous:
        print(f"The new configuration failed ({error}); going back to the one before.", flush=True)
        reexec(Path(adoption.data_dir), adoption.lock_fd, adoption.previous, adoption.request, None, failed=error,
               origin=adoption.origin)
    elif adoption.failed:
        report(adoption.data_dir, adoption.request, ok=False,
               error=f"{adoption.failed}; going back to the configuration before failed too: {error}")


def report(data_dir: str | Path, request: str | None, **result) -> None:
    """The outcome for the second `up` (nobody waits after a `systemctl reload`)."""
    if request:
        _write(result_file(Layout(Path(data_dir)), request), result)


class Relay:
    """Progress lines of the restarting `up`, appended for the second `up` to show."""

    def __init__(self, data_dir: str | Path, request: str | None):
        self.path = progress_file(Layout(Path(data_dir)), request) if request else None

    def __call__(self, **event) -> None:
        if self.path is None:
            return
        try:
            with open(self.path, "a") as f:
                f.write(json.dumps(event) + "\n")
        except OSError:
            pass  # only the display of the other terminal suffers
