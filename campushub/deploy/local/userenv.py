"""The shared Python environment every user's server and kernels run from.

One venv per (lock file, interpreter version), named after their hash, so a
changed lock builds a new env beside the old one instead of swapping
packages under running servers. Users get it read-only: one env serves
everyone, and nobody's `pip install` can break it for the others.

Keep `root` outside the hub's private (0700) data dir: its parents are made
traversable for all users, which would expose files that rely on that 0700.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import InstallError

MARKER = ".campushub-complete"
LOCK_COPY = "campushub-environment.lock"
Progress = Callable[[str], None]


def python_version(python: str) -> str:
    """X.Y.Z of an interpreter; the patch level counts, since a venv links to it."""
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise InstallError(f"cannot run the user environment's interpreter {python}: {e}") from e
    return out.stdout.strip()


def _digest(python: str, lock_file: Path) -> str:
    data = Path(lock_file).read_bytes() + python_version(python).encode()
    return hashlib.sha256(data).hexdigest()[:12]


def env_dir_for(python: str, root: Path, lock_file: Path) -> Path:
    """Where ensure_user_env puts (or put) the env; creates nothing."""
    major_minor = ".".join(python_version(python).split(".")[:2])
    return Path(root) / f"py{major_minor}-{_digest(python, lock_file)}"


def is_complete(env: Path) -> bool:
    """True only for an env whose build ran to the end."""
    try:
        return (env / MARKER).read_text().strip() == env.name.rsplit("-", 1)[-1]
    except OSError:
        return False


def pinned(lock_file: Path) -> list[str]:
    lines = (line.strip() for line in Path(lock_file).read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def run_logged(cmd: list[str], log: Path, what: str, env: dict | None = None) -> None:
    """Run cmd with its output appended to log; InstallError naming `what` on failure."""
    with open(log, "a") as out:
        out.write(f"\n$ {shlex.join(cmd)}\n")
        out.flush()
        try:
            # its own process group, so an interrupted `up` stops the whole
            # install (npm's and pip's children too), not just its first process
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        except OSError as e:
            out.write(f"{e}\n")
            raise InstallError(f"{what} failed: {e}; see {log}") from e
        try:
            rc = proc.wait()
        except BaseException:
            _stop_group(proc)
            raise
    if rc != 0:
        raise InstallError(f"{what} failed (exit {rc}); see {log}")


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the install's process group, SIGKILL to whatever of it is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    # two `campushub` commands building the same env would wipe each other's work
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _make_traversable(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    for parent in root.parents:
        mode = stat.S_IMODE(parent.stat().st_mode)
        if mode & 0o011 != 0o011:
            # search bits only: users must reach the env, not list what else is there
            os.chmod(parent, mode | 0o011)


def _make_read_only(env: Path) -> None:
    as_root = os.geteuid() == 0
    for path in [env, *env.rglob("*")]:
        st = path.lstat()
        if as_root:
            os.lchown(path, 0, 0)
        if stat.S_ISLNK(st.st_mode):
            continue  # chmod would follow it, e.g. bin/python -> /usr/bin/python3
        executable = stat.S_ISDIR(st.st_mode) or st.st_mode & 0o111
        os.chmod(path, 0o755 if executable else 0o644)


def _check_as_nobody(env: Path, log: Path) -> None:
    # catches an interpreter under a private home (pyenv in /root) at install
    # time rather than when the first learner's server fails to start
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return
    cmd = ["runuser", "-u", "nobody", "--", str(env / "bin" / "python"), "-c", "pass"]
    run_logged(cmd, log, "running the environment as an unprivileged user (is the interpreter world-readable?)")


def _build(python: str, env: Path, lock_file: Path, log: Path, say: Progress) -> None:
    py = str(env / "bin" / "python")
    say(f"creating venv {env}")
    run_logged([python, "-m", "venv", str(env)], log, "creating the venv (on Debian: apt-get install python3-venv)")
    say(f"installing {len(pinned(lock_file))} pinned packages")
    pip = [py, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run_logged([*pip, "install", "--no-deps", "--progress-bar", "off", "-r", str(lock_file)], log,
               f"installing the packages of {lock_file}")
    say("checking dependencies")
    run_logged([*pip, "check"], log, "pip check (the lock is missing or mismatching a dependency)")
    if (env / "share" / "jupyter" / "kernels" / "python3").is_dir():
        # ipykernel ships argv[0] "python"; an absolute path keeps kernels on
        # this env even when the server runs from another interpreter
        say("registering the python3 kernel")
        run_logged([py, "-m", "ipykernel", "install", "--prefix", str(env)], log, "registering the python3 kernel")
    shutil.copyfile(lock_file, env / LOCK_COPY)
    say("making the environment read-only for users")
    _make_read_only(env)
    _check_as_nobody(env, log)
    tmp = env / f"{MARKER}.tmp"
    tmp.write_text(env.name.rsplit("-", 1)[-1] + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, env / MARKER)


def ensure_user_env(python: str, root: Path, lock_file: Path, progress: Progress | None = None) -> Path:
    """Build the env for lock_file under root unless a complete one is there; return its path.

    The venv is built at its final path, since venv scripts hard-code it in
    their shebangs; the marker written last is what makes it usable, and an
    env without it is wiped and rebuilt.
    """
    say = progress or (lambda message: None)
    root, lock_file = Path(root), Path(lock_file)
    env = env_dir_for(python, root, lock_file)
    if is_complete(env):
        say(f"using existing environment {env}")
        return env
    _make_traversable(root)
    logs = root / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    log = logs / f"{env.name}.log"
    with _exclusive(root / f".{env.name}.lock"):
        if is_complete(env):  # another process finished it while we waited
            return env
        if env.exists():
            say("removing an incomplete environment left by an earlier attempt")
            shutil.rmtree(env)
        log.write_text("")
        _build(python, env, lock_file, log, say)
    say("environment ready")
    return env
