"""Where the reports go: checked before any notebook runs, written without
following links (the folder may be a CI workspace a course author controls),
and handed to the person who ran the check (under sudo: SUDO_UID/SUDO_GID),
so that a CI runner can delete them again (`git clean`) without root."""

from __future__ import annotations

import os
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class OutputError(RuntimeError):
    pass


def _missing(out: Path) -> list[Path]:
    """The folders `out` needs that do not exist yet, outermost last."""
    missing = []
    while not out.exists() and not out.is_symlink():
        missing.append(out)
        out = out.parent
    return missing


def _fail(out: Path, e: OSError):
    reason = "it is a link" if e.errno == 40 else (e.strerror or str(e))
    return OutputError(f"--out {out}: cannot write reports there ({reason}); choose another directory")


def check_writable(out: Path) -> None:
    """OutputError unless reports can be written to `out`; leaves nothing behind either way."""
    out = Path(os.path.abspath(out))
    made = []
    try:
        for path in reversed(_missing(out)):
            path.mkdir()
            made.append(path)
        fd = os.open(out, _DIR)
        try:
            name = f".campushub-write-test-{os.getpid()}"
            os.close(os.open(name, _NEW, 0o600, dir_fd=fd))
            os.unlink(name, dir_fd=fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise _fail(out, e) from None
    finally:
        for path in reversed(made):
            path.rmdir()


def invoking_user() -> tuple[int, int] | None:
    """(uid, gid) of whoever ran `sudo campushub ...`, when that is not root."""
    try:
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ["SUDO_GID"])
    except (KeyError, ValueError):
        return None
    return (uid, gid) if os.geteuid() == 0 and uid > 0 and gid >= 0 else None


def write(out: Path, files: dict[str, str]) -> dict[str, Path]:
    """Write each file into `out` (made if missing) by creating it anew and renaming it into place."""
    out = Path(os.path.abspath(out))
    owner = invoking_user()
    try:
        made = _missing(out)
        out.mkdir(parents=True, exist_ok=True)
        for path in made if owner else ():
            os.chown(path, *owner, follow_symlinks=False)
        fd = os.open(out, _DIR)
    except OSError as e:
        raise _fail(out, e) from None
    try:
        for name, text in files.items():
            tmp = f".{name}.{os.getpid()}.new"
            f = os.open(tmp, _NEW, 0o644, dir_fd=fd)
            try:
                if owner:
                    os.fchown(f, *owner)
                data = memoryview(text.encode())
                while data:
                    data = data[os.write(f, data):]
            finally:
                os.close(f)
            os.rename(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError as e:
        raise _fail(out, e) from None
    finally:
        os.close(fd)
    return {name: out / name for name in files}
