"""The course to check: a directory, or a git repository cloned for the run,
and the notebooks in it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from ...deploy.local import tools as system_tools

_URL = re.compile(r"^(https?|git|ssh|file)://|^[\w.-]+@[\w.-]+:")
SKIP = {".git", ".ipynb_checkpoints", "__pycache__", ".venv", "node_modules"}


class CourseError(Exception):
    pass


def display(source: str) -> str:
    """`source` as reports show it: a URL without the user or token it may carry (CI logs are read widely)."""
    return re.sub(r"^([a-z+]+://)[^/@]*@", r"\1", source)


def is_git_url(source: str) -> bool:
    return bool(_URL.match(source))


def fetch(source: str, into: Path, branch: str | None = None) -> Path:
    """The course directory: `source` itself, or a shallow clone of it."""
    if not is_git_url(source):
        try:
            path = Path(source).expanduser().resolve()
            if path.is_dir():
                return path
        except OSError as e:
            raise CourseError(f"{source}: cannot read it ({e.strerror})") from None
        raise CourseError(f"{source}: no such directory; give a course directory or a git URL")
    if source.startswith("-"):  # git would take it for one of its options (-u is --upload-pack)
        raise CourseError(f"{source}: not a directory or git URL (starts with '-')")
    target = into / "course"
    git = system_tools.require("git", "git", "to clone a course")  # MissingTool: one line naming the package
    cmd = [git, "clone", "--quiet", "--depth", "1", *(["--branch", branch] if branch else []),
           "--", source, str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode
        raise CourseError(f"cannot clone {display(source)}: {why}")
    return target


def notebooks(course: Path) -> list[str]:
    """The notebooks below `course` (relative paths), not looking into links or SKIP folders."""
    found = []
    for root, dirs, files in os.walk(course):  # a folder vanishing meanwhile is skipped, not an error
        dirs[:] = [d for d in dirs if d not in SKIP]
        rel = Path(root).relative_to(course)
        found += [str(rel / f) for f in files if f.endswith(".ipynb")]
    return sorted(found)
