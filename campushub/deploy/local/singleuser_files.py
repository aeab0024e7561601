"""CampusHub's own small additions to the shared user environment.

The environment is built from the lock file alone; these files are laid on
top afterwards and rewritten whenever CampusHub's copy changes, so upgrading
CampusHub updates running sites without rebuilding the environment.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

KERNEL_CONFIG = 'c.InteractiveShellApp.extensions.append("campushub_memory_watch")\n'
# Learners should not be asked about Jupyter news or updates: the site's
# admins choose the versions, and the machine may have no internet at all.
LAB_OVERRIDES = json.dumps({
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}, indent=1) + "\n"


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
    watch = resources.files("campushub.singleuser").joinpath("memory_watch.py").read_text()
    _install(site_packages / "campushub_memory_watch.py", watch)
    # IPython reads sys.prefix/etc/ipython for every kernel of this environment
    _install(env_dir / "etc" / "ipython" / "ipython_kernel_config.py", KERNEL_CONFIG)
    _install(env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json", LAB_OVERRIDES)
