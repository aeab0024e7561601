"""The build folder: `builds/<digest>/` per built site, `site` a symbolic
link to the current one, replaced in one rename (os.replace), so the service,
which resolves `site` per request, serves the old site or the new, never a
half-written one. A lock keeps two builds (`up` and `campushub help build`)
from swapping over each other. The build runs as root: `out` must be a folder
of this account that nobody else can write, and nothing in it is followed
through a link (attack review 17, F2)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from . import HelpBuildError
from .outdir import parents_trusted, trusted
from .readonce import esc

BUILDS = "builds"
SITE = "site"
WARNINGS = "warnings.txt"  # the current site's build warnings, one a line
WORK = ".work-"  # a build's scratch folder in out/ (its docs and mkdocs.yml)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    out.parent.mkdir(parents=True, exist_ok=True)
    parents_trusted(out)
    with contextlib.suppress(FileExistsError):
        out.mkdir(mode=0o700)
    trusted(out)
    try:
        fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise HelpBuildError([f"{esc(out / '.lock')}: cannot open it ({e.strerror}); remove it, the build "
                              "makes it again"]) from None
    with os.fdopen(fd, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def tidy(out: Path) -> None:
    """Make builds/ and remove what a killed build left (under the lock: no build is running)."""
    builds = out / BUILDS
    with contextlib.suppress(FileExistsError):
        builds.mkdir(mode=0o755)
    if not stat.S_ISDIR(os.lstat(builds).st_mode):
        raise HelpBuildError([f"{esc(builds)}: a link or file where the build keeps its builds; move it away"])
    site = out / SITE
    if os.path.lexists(site) and not site.is_symlink():
        raise HelpBuildError([f"{esc(site)}: a folder or file where the build keeps its link to the current site; "
                              "move it away"])
    for path in [*out.glob(WORK + "*"), *out.glob(f".{WARNINGS}.*"), *builds.glob(".*")]:
        _remove(path)


def current(out: Path) -> str | None:
    """The digest the site link points at, if its build is there."""
    try:
        target = os.readlink(out / SITE)
    except OSError:
        return None
    name = Path(target).name
    return name if (out / BUILDS / name).is_dir() else None


def publish(out: Path, built: Path, digest: str, warnings: list[str]) -> Path:
    """Move a finished build into place, point `site` at it and remove older builds but the one it
    replaces: a page being read was loaded from that one, and its images and the search index it
    asks for next resolve `site` again; removing it at once turned those into 404s."""
    builds = out / BUILDS
    previous = _previous(out)
    final = builds / digest
    if os.path.lexists(final):  # the same sources built before: moved aside (a rename follows nothing)
        os.replace(final, builds / f".old-{digest}-{os.getpid()}")
    os.replace(built, final)
    _readable(final)
    _write(out / WARNINGS, "".join(esc(line) + "\n" for line in warnings))
    link = out / f".{SITE}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(f"{BUILDS}/{digest}")
    os.replace(link, out / SITE)
    for old in builds.iterdir():
        if old.name not in (digest, previous):
            _remove(old)
    return out / SITE


def _previous(out: Path) -> str | None:
    """The build `site` points at now, if it is a real folder of ours (a link planted there is removed)."""
    name = current(out)
    if name is None:
        return None
    return name if stat.S_ISDIR(os.lstat(out / BUILDS / name).st_mode) else None


def warnings(out: Path) -> list[str]:
    try:
        return (out / WARNINGS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _readable(folder: Path) -> None:
    # the Kubernetes image copies the site for a non-root server; locally the data dir (0700) keeps it private.
    # os.walk enters no linked folder; a link among the files is skipped, never chmod-ed through
    for parent, _dirs, files in os.walk(folder):
        os.chmod(parent, 0o755)
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # O_EXCL: never a planted link
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    """Remove an entry of the build folder: a real folder with its contents, anything else (a link) itself."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
