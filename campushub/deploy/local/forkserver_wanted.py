"""Requests for a fork server of an environment version on its first use.

The spawner, finding no fork server for the version a server starts with,
leaves a marker (fork_client.want(): DIR/wanted/<env name>, holding the env
dir) and starts that server by exec; the supervising `up` takes the markers.
Only root writes there (the directory is 0700), but a marker still names
nothing but a complete environment of the site's install prefix.
"""

from __future__ import annotations

import os
from pathlib import Path

from .userenv import is_complete


def take(directory: Path, envs_root: Path) -> tuple[list[Path], list[str]]:
    """Remove the markers; the env dirs asked for and the refused markers' texts."""
    wanted = Path(directory) / "wanted"
    try:
        names = sorted(os.listdir(wanted))
    except OSError:
        return [], []
    asked, refused = [], []
    for name in names:
        if name.startswith("."):
            continue  # want() is still writing it
        try:
            text = (wanted / name).read_text().strip()
            (wanted / name).unlink()
        except OSError:
            continue
        env_dir = Path(text)
        if (env_dir.is_absolute() and env_dir.name == name and is_complete(env_dir)
                and env_dir.resolve().parent == Path(envs_root).resolve()):
            asked.append(env_dir.resolve())
        else:
            refused.append(text)
    return asked, refused


def forget(directory: Path) -> None:
    """Markers of an earlier run: the envs still in use ask again."""
    wanted = Path(directory) / "wanted"
    for marker in wanted.iterdir() if wanted.is_dir() else ():
        marker.unlink(missing_ok=True)
