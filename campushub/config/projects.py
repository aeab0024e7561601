"""The projects section: where project data lives and the projects the file
declares, with the checks the schema cannot express. The project model
itself (names, the group property) is campushub/projects/model.py; this
module stays in the config layer and checks names with the same rules."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

# The one rule for project names (campushub.projects.model re-exports it): 2-40
# characters, so a unix group "chp-<name>" fits in 32 and a claim
# "project-<name>" is a valid DNS-1123 label.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")
DEFAULT_ROOT = "/srv/campushub/projects"  # the schema's default


def root(config: dict) -> Path:
    """The folder holding one folder per project (local deployment)."""
    return Path(config["projects"]["root"])


def declared(config: dict) -> dict[str, dict]:
    """Declared projects by name: {"title": str, "owners": [...], "members": [...]};
    members include the owners, both sorted."""
    out = {}
    for name, entry in config["projects"]["declared"].items():
        owners = sorted(set(entry.get("owners") or ()))
        out[name] = {"title": entry.get("title") or "", "owners": owners,
                     "members": sorted(set(entry.get("members") or ()) | set(owners))}
    return out


def user_problem(name: object) -> str | None:
    """What makes name no user name as the hub stores it (None: fine).
    JupyterHub lower-cases names at login, so "Alice" would never match anybody."""
    if not isinstance(name, str) or not name or any(c.isspace() for c in name) or "/" in name:
        return "write the login name, without spaces or slashes"
    if name != name.lower():
        return f"the hub stores names in lower case; write {name.lower()!r}"
    return None


# Each local server mounts fresh tmpfs here (deploy/local/forkserver/mounts.py: the deployment
# refuses such a root too, but only at the first start; the file is the place to say it)
PRIVATE_TMP = ("/tmp", "/dev/shm", "/var/tmp", "/run/lock")


def _norm(path: str) -> str:
    return "/" + posixpath.normpath(path).lstrip("/")


def _inside(path: str, folder: str) -> bool:
    return path == folder or folder == "/" or path.startswith(folder.rstrip("/") + "/")


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    section = config["projects"]
    here, homes = _norm(section["root"]), _norm(config["spawner"]["home_root"])
    if _inside(here, homes) or _inside(homes, here):
        if section["root"] == DEFAULT_ROOT:  # the file set only home_root: point at that line
            fail("spawner.home_root", f"got {homes!r}, which overlaps projects.root ({DEFAULT_ROOT}, its "
                                      "default); set projects.root to a folder beside the homes")
        fail("projects.root", f"got {section['root']!r}, which overlaps spawner.home_root ({homes}); "
                              "put project folders beside the homes, e.g. /srv/campushub/projects")
    for private in PRIVATE_TMP:
        if _inside(here, private):
            fail("projects.root", f"got {section['root']!r}, under {private}, which every local server sees as "
                                  "its own empty tmpfs; use a folder such as /srv/campushub/projects")
    courses = {course[k]: f"courses.{c}.{k}" for c, course in config["courses"].items()
               for k in ("learners_group", "tutors_group")}
    courses.update({g: "roles.admin_groups" for g in config["roles"]["admin_groups"]})
    for name, entry in section["declared"].items():
        key = f"projects.declared.{name}"
        if not NAME_RE.fullmatch(name):
            fail(key, f"{name!r} is not a project name; use 2 to 40 lowercase letters, digits and dashes, "
                      "starting and ending with a letter or digit")
        if name in courses:
            fail(key, f"is also the group of {courses[name]}; a project needs a group of its own, "
                      "so give the project another name")
        for field in ("owners", "members"):
            seen = set()
            for index, user in enumerate(entry[field]):
                problem = user_problem(user)
                if problem:
                    fail(f"{key}.{field}.{index}", f"got {user!r}, not a user name; {problem}")
                if user in seen:
                    fail(f"{key}.{field}.{index}", f"{user!r} is listed twice; keep one")
                seen.add(user)
