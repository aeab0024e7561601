"""The build folder: `builds/<digest>/` per built site, `site` a symbolic
link to the current one, replaced in one rename (os.replace), so the service,
which resolves `site` per request, serves the old site or the new, never a
half-written one. A lock keeps two builds (`up` and `campushub help build`)
from swapping over each other."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from . import HelpBuildError

BUILDS = "builds"
SITE = "site"
WARNINGS = "warnings.txt"  # the current site's build warnings, one a line
WORK = ".work-"  # a build's scratch folder in out/ (its docs and mkdocs.yml)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def tidy(out: Path) -> None:
    """Make builds/ and remove what a killed build left (under the lock: no build is running)."""
    (out / BUILDS).mkdir(exist_ok=True)
    site = out / SITE
    if site.exists() and not site.is_symlink():
        raise HelpBuildError([f"{site}: a folder or file where the build keeps its link to the current site; "
                              "move it away"])
    stale = [*out.glob(WORK + "*"), *(out / BUILDS).glob(".*")]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


def current(out: Path) -> str | None:
    """The digest the site link points at, if its build is there."""
    try:
        target = os.readlink(out / SITE)
    except OSError:
        return None
    name = Path(target).name
    return name if (out / BUILDS / name).is_dir() else None


def publish(out: Path, built: Path, digest: str, warnings: list[str]) -> Path:
    """Move a finished build into place, point `site` at it and remove older builds."""
    builds = out / BUILDS
    final = builds / digest
    if final.is_dir():  # the same sources built before: that build is this one
        shutil.rmtree(built)
    else:
        os.replace(built, final)
    _readable(final)
    _write(out / WARNINGS, "".join(line + "\n" for line in warnings))
    link = out / f".{SITE}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(f"{BUILDS}/{digest}")
    os.replace(link, out / SITE)
    for old in builds.iterdir():
        if old.name != digest:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    return out / SITE


def warnings(out: Path) -> list[str]:
    try:
        return (out / WARNINGS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _readable(folder: Path) -> None:
    # the Kubernetes image copies the site for a non-root server; locally the data dir (0700) keeps it private
    for parent, _dirs, files in os.walk(folder):
        os.chmod(parent, 0o755)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o644)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
