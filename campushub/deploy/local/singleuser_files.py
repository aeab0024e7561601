"""CampusHub's own files laid into a local venv: the files of both
deployments (singleuser/files.py) and, on this machine only, the fork
server package (deploy/local/forkserver/, as site-packages campushub_forkserver).

Rewritten whenever CampusHub's copy changes, so upgrading CampusHub updates
running sites without rebuilding the environment (the fork servers notice
the change and are replaced: deploy/local/forkservers.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ...singleuser.files import EXECUTABLE, SITE_PACKAGES, server_files
from .spawner.fork_client import PACKAGE, package_files


def _install(path: Path, text: str, mode: int = 0o644) -> None:
    if path.exists() and path.read_text() == text and (path.stat().st_mode & 0o777) == mode:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o755)
    # a name of its own: two `up`s (two sites sharing this env) laying the same file at once shared
    # `<file>.tmp`, so one's replace failed and a reader could import the other's half-written module
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def site_packages(env_dir: Path) -> Path:
    found = next(Path(env_dir).glob("lib/python3*/site-packages"), None)
    if found is None:
        raise OSError(f"{env_dir} has no lib/python3*/site-packages: not a Python environment")
    return found


def laid_files(env_dir: Path) -> dict[Path, str]:
    """Where each of CampusHub's files goes in this env -> its text."""
    where = site_packages(env_dir)
    files = {}
    for relative, text in server_files().items():
        if relative.startswith(SITE_PACKAGES):
            files[where / relative.removeprefix(SITE_PACKAGES)] = text
        else:
            files[Path(env_dir) / relative] = text
    for relative, text in package_files().items():
        files[where / relative] = text
    return files


def ensure_singleuser_files(env_dir: Path) -> None:
    files = laid_files(env_dir)
    programs = {Path(env_dir) / relative for relative in EXECUTABLE}
    for path, text in files.items():
        _install(path, text, 0o755 if path in programs else 0o644)
    # a module CampusHub no longer has must not stay importable by the fork server
    package = site_packages(env_dir) / PACKAGE
    for stale in package.glob("*.py"):
        if stale not in files:
            stale.unlink(missing_ok=True)  # another `up` may have removed it first
