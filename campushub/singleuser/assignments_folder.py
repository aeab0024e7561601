"""The learner's assignment folders, for the server extension
campushub_assignments (assignments_server.py; installed beside it, importing
nothing of CampusHub): ~/assignments/{course}/{name}/, walked through
directory descriptors opened with O_NOFOLLOW, so a symlink planted in it
leads nowhere else, and written without ever replacing the learner's files.
Refusals carry English text; the server translates them."""

import json
import os
import re

# as the store names assignments, up to 128 (a copy: campushub cannot be imported in a user environment)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
FOLDER = "assignments"
MAX_BYTES = 20 * 2**20  # per file; the service has its own, usually smaller, limit
MAX_TOTAL = 100 * 2**20
SKIP_DIRS = (".ipynb_checkpoints", "__pycache__")
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
BAD_NAME = {"course": "Not a valid course name: {name}", "assignment": "Not a valid assignment name: {name}"}


class Refused(Exception):
    """A one-line message for the learner (English source; args fill it in)."""

    def __init__(self, status, text, **args):
        super().__init__(text)
        self.status, self.text, self.args_ = status, text, args


def checked_name(value, what):
    if not isinstance(value, str) or not NAME.match(value):
        raise Refused(400, BAD_NAME[what], name=str(value)[:100])
    return value


def checked_relative(path):
    """A file's path as the service names it, relative and inside the folder."""
    parts = path.split("/") if isinstance(path, str) else [""]
    if "\\" in str(path) or "\0" in str(path) or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise Refused(502, "The assignments service sent an unsafe file name: {name}", name=str(path)[:100])
    return parts


def open_dir(parent_fd, name, create=False):
    """A directory inside parent_fd, never through a symlink."""
    if create:
        try:
            os.mkdir(name, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            pass
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        raise Refused(409, "{name} is not a folder (or is a link): rename it and try again.", name=name) from None


def assignment_dir(course, name, create=False):
    """(fd, path) of ~/assignments/{course}/{name}; the caller closes fd."""
    home = os.path.expanduser("~")
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in (FOLDER, course, name):
            try:
                inner = open_dir(fd, part, create)
            except Refused:
                if not create and not os.path.lexists(os.path.join(home, FOLDER, course, name)):
                    raise Refused(404, "Fetch the assignment first: there is no folder {folder}.",
                                  folder=f"{FOLDER}/{course}/{name}") from None
                raise
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd, os.path.join(home, FOLDER, course, name)


def write_new(folder_fd, parts, data):
    """Write a file unless it exists; True when written."""
    fds = [folder_fd]
    try:
        for part in parts[:-1]:
            fds.append(open_dir(fds[-1], part, create=True))
        fd = fds[-1]
        tmp = f".{parts[-1]}.campushub-{os.getpid()}"
        try:
            os.unlink(tmp, dir_fd=fd)  # left by a server killed mid-write
        except FileNotFoundError:
            pass
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=fd)
        try:
            with os.fdopen(out, "wb") as f:
                f.write(data)
            # link() never replaces: the learner's own file, or one that
            # appeared meanwhile, wins.
            os.link(tmp, parts[-1], src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp, dir_fd=fd)
    finally:
        for fd in fds[1:]:
            os.close(fd)


def read_notebooks(folder_fd, only=None):
    """{relative path: bytes} of the folder's notebooks (those in `only`, if
    given), links and hidden folders left out."""
    found, total = {}, 0
    for top, dirs, files, dir_fd in os.fwalk(".", dir_fd=folder_fd, follow_symlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(".ipynb") or name.startswith("."):
                continue
            relative = os.path.normpath(os.path.join(top, name)).replace(os.sep, "/")
            if only is not None and relative not in only:
                continue  # the learner's own scratch notebooks are not part of the submission
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError:
                continue  # a symlink (or gone): not the learner's notebook here
            with os.fdopen(fd, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                total += size
                if size > MAX_BYTES or total > MAX_TOTAL:
                    raise Refused(413, "{path} is too large to submit ({size} MiB).", path=relative,
                                  size=round(size / 2**20, 1))
                data = f.read(MAX_BYTES + 1)
            try:
                json.loads(data)
            except (ValueError, RecursionError):  # RecursionError: nested past the interpreter's limit
                raise Refused(400, "{path} is not a valid notebook: open it in JupyterLab and save it again.",
                              path=relative) from None
            found[relative] = data
    if not found:
        raise Refused(400, "There is no notebook to submit in this assignment's folder.")
    return found


def assignment_of(root_dir, path):
    """(course, name) of a file's path (relative to the server's root) inside ~/assignments/C/A/."""
    parts = [p for p in str(path or "").split("/") if p not in ("", ".")]
    if ".." in parts or "\0" in str(path):
        raise Refused(400, "Not a file of an assignment: {path}", path=str(path)[:200])
    full = os.path.join(os.path.abspath(root_dir), *parts)
    base = os.path.join(os.path.expanduser("~"), FOLDER)
    inside = os.path.relpath(full, base).split(os.sep)
    if len(inside) < 3 or inside[0] == "..":
        raise Refused(400, "Only files inside {folder}/COURSE/ASSIGNMENT/ can be submitted.", folder=FOLDER)
    return checked_name(inside[0], "course"), checked_name(inside[1], "assignment")
