"""CampusHub's own files (singleuser/files.py) laid into a local venv.

Rewritten whenever CampusHub's copy changes, so upgrading CampusHub updates
running sites without rebuilding the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...singleuser.files import SITE_PACKAGES, server_files


def _install(path: Path, text: str) -> None:
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o755)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def ensure_singleuser_files(env_dir: Path) -> None:
    site_packages = next(env_dir.glob("lib/python3*/site-packages"))
    for relative, text in server_files().items():
        if relative.startswith(SITE_PACKAGES):
            _install(site_packages / relative.removeprefix(SITE_PACKAGES), text)
        else:
            _install(env_dir / relative, text)
