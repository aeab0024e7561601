"""Which course a notebook belongs to, what a course notebook's cells are,
and how the course sync before this server went: all read from the home
and the server's environment (CAMPUSHUB_COURSES, set by the hub)."""

import json
import os
from pathlib import Path

from .records import parse_time

# content/sync.py STATUS_FILE: the same name in both deployments
STATUS_FILE = ".campushub/course-sync.json"


def folders(environ=os.environ) -> list[tuple[str, str]]:
    """(folder relative to the home, course name), deepest folder first."""
    try:
        listed = json.loads(environ.get("CAMPUSHUB_COURSES") or "[]")
    except ValueError:
        return []
    found = [(c["folder"].strip("/"), c["name"]) for c in listed if isinstance(c, dict)
             and isinstance(c.get("folder"), str) and c["folder"].strip("/") and isinstance(c.get("name"), str)]
    return sorted(found, key=lambda f: -len(f[0]))


def course_of(path: str, known: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(course, path inside its folder) of a notebook's home-relative path, or (None, None)."""
    for folder, name in known:
        if path.startswith(folder + "/") and len(path) > len(folder) + 1:
            return name, path[len(folder) + 1:]
    return None, None


def cell_ids(file: Path) -> list[str] | None:
    """The notebook's cell ids in file order; None when it has none to give
    (not a notebook, or nbformat < 4.5, whose cells have no ids)."""
    try:
        with open(file, "rb") as f:
            cells = json.load(f).get("cells")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(cells, list):
        return None
    ids = [c.get("id") for c in cells if isinstance(c, dict)]
    return ids if ids and all(isinstance(i, str) and i for i in ids) else None


def sync_status(home: Path) -> tuple[str, float, dict[str, str]] | None:
    """(the file's own time text, as a timestamp, {course: "ok"|"failed"}) of the last sync, if any."""
    try:
        data = json.loads((home / STATUS_FILE).read_text(encoding="utf-8"))
        when = parse_time(data["time"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    courses = data.get("courses")
    if not isinstance(courses, dict) or when.tzinfo is None:
        return None
    return data["time"], when.timestamp(), {c: s for c, s in courses.items()
                                            if isinstance(c, str) and c and s in ("ok", "failed")}
