"""Reading an assignment's source folder: notebooks and the data shipped with them."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
from nbformat import NotebookNode

from campushub.i18n import N_

from .errors import AssignmentError

# Editor and Jupyter leftovers are never part of an assignment.
SKIPPED_DIRS = {".ipynb_checkpoints", "__pycache__"}
# Every learner gets a copy and the database keeps one per assignment: a
# folder past these is a wrong folder (a home directory), not an assignment.
MAX_FILES = 1000
MAX_BYTES = 200 * 2**20


@dataclass(frozen=True)
class Source:
    """An assignment as its author wrote it; keys are relative POSIX paths."""

    notebooks: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def load_source(folder: Path) -> Source:
    """Every notebook and data file under ``folder``, hidden entries skipped.

    Symbolic links are refused rather than followed: one could point at the
    instructor's other files (or a key) and ship them to every learner. The
    walk holds each folder open and opens names in it without following
    links (os.fwalk, O_NOFOLLOW), so a link swapped in meanwhile is refused
    too: the CLI may run as root over a folder someone else can write.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AssignmentError(N_("{folder}: no such folder: give the folder that holds the source notebooks"),
                              folder=str(folder))
    notebooks: dict[str, bytes] = {}
    files: dict[str, bytes] = {}
    budget = [MAX_BYTES]
    for root, dirs, names, rootfd in os.fwalk(folder, follow_symlinks=False):
        base = Path(root)
        for d in list(dirs):
            if d.startswith(".") or d in SKIPPED_DIRS:
                dirs.remove(d)
            elif stat.S_ISLNK(os.stat(d, dir_fd=rootfd, follow_symlinks=False).st_mode):
                raise _symlink(folder, base / d)
        dirs.sort()
        for name in sorted(names):
            if name.startswith("."):
                continue
            if len(notebooks) + len(files) >= MAX_FILES:
                raise _too_big(folder)
            data = _read(rootfd, name, folder, base / name, budget)
            if data is not None:
                rel = relative_path((base / name).relative_to(folder).as_posix())
                (notebooks if name.endswith(".ipynb") else files)[rel] = data
    if not notebooks:
        raise AssignmentError(N_("{folder}: no notebooks found: put the assignment's .ipynb files in this folder"),
                              folder=str(folder))
    return Source(notebooks, files)


def _read(dir_fd: int, name: str, folder: Path, path: Path, budget: list[int]) -> bytes | None:
    """The regular file ``name`` in ``dir_fd`` (None for FIFOs, sockets, devices), within the byte budget."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _symlink(folder, path) from None
        raise AssignmentError(N_("{path}: cannot be read: check its permissions"),
                              path=path.relative_to(folder).as_posix()) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        data = f.read(budget[0] + 1)
    budget[0] -= len(data)
    if budget[0] < 0:
        raise _too_big(folder)
    return data


def _too_big(folder: Path) -> AssignmentError:
    return AssignmentError(N_("{folder}: more than {count} files or {size} MiB: give the folder of one assignment"),
                           folder=str(folder), count=MAX_FILES, size=MAX_BYTES // 2**20)


def relative_path(name: str) -> str:
    """``name`` as a safe relative POSIX path, or AssignmentError.

    Shared with upload handlers: file names come from browsers and CLIs.
    """
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise AssignmentError(N_("{path}: not a valid file name: use a relative path with / between folders"),
                              path=str(name)[:200])
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        raise AssignmentError(N_("{path}: the path leaves the assignment folder: use a path inside it"),
                              path=name[:200])
    if any(part.startswith(".") for part in path.parts):
        raise AssignmentError(N_("{path}: hidden files are not part of an assignment: rename or remove it"),
                              path=name[:200])
    return path.as_posix()


def _symlink(folder: Path, path: Path) -> AssignmentError:
    return AssignmentError(N_("{path}: symbolic links are not allowed in an assignment: copy the file instead"),
                           path=path.relative_to(folder).as_posix())


def read_notebook(name: str, data: bytes) -> NotebookNode:
    """``data`` as an nbformat 4 notebook, or AssignmentError naming ``name``."""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as e:  # json, unicode and schema errors alike: the file is not a notebook
        detail = (str(e).strip().splitlines() or [type(e).__name__])[0][:120]
        raise AssignmentError(N_("{notebook}: not a valid notebook ({detail}): open and save it again in Jupyter"),
                              notebook=name, detail=detail) from None
    return nb
