"""What a project is, with no JupyterHub import: the hub, its services, the
spawners and the configuration all read projects through these functions.

A project is a JupyterHub group whose properties hold PROPERTY, a dict
{"owners": [...], "title": "..."}. Membership is the group's own, so the REST
API, the admin page and the site's group sync all manage it. An owner is a
member named in the property: a name there that is not (or no longer) in the
group owns nothing (members_owners) -- an admin who removes an owner from the
group through the REST API or the admin page takes their control away, and
a user deleted and made again under the same name is in no group. The name
is the group's, safe as a path, a unix group and a Kubernetes name.

The may_* helpers read the hub REST API's JSON models (what a service gets
from /hub/api/user and /hub/api/groups/{name}), not orm objects:
- user model: {"name": str, "admin": bool, "groups": [names]} (groups needs
  the read:users:groups scope on the person; missing means none known);
- group model: {"name": str, "users": [names], "properties": {...}}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# NAME_RE: the one rule for project names, kept in the config layer, which checks declared names
from ..config.projects import NAME_RE, user_problem

PROPERTY = "campushub_project"


def check_name(name: Any) -> None:
    """Raise ValueError (one line: what is wrong, what to do) unless name is a project name."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(f"{name!r} is not a project name; use 2 to 40 lower-case letters, digits "
                         "and hyphens, starting and ending with a letter or digit")


def check_user_name(name: Any) -> None:
    """Raise ValueError unless name is spelt as the hub stores user names."""
    problem = user_problem(name)
    if problem:
        raise ValueError(f"{name!r} is not a user name; {problem}")


def _project(properties: Mapping | None) -> Mapping | None:
    value = (properties or {}).get(PROPERTY)
    return value if isinstance(value, Mapping) else None


def is_project(properties: Mapping | None) -> bool:
    return _project(properties) is not None


def owners(properties: Mapping | None) -> list[str]:
    """The owners' names, sorted; [] for a group that is no project or a malformed value."""
    value = (_project(properties) or {}).get("owners")
    if not isinstance(value, (list, tuple)):
        return []
    return sorted({o for o in value if isinstance(o, str) and o})


def title(properties: Mapping | None, name: str) -> str:
    """The project's title, or its name when it has none."""
    value = (_project(properties) or {}).get("title")
    return value.strip() if isinstance(value, str) and value.strip() else name


def properties_for(owners: Iterable[str], title: str, existing: Mapping | None = None) -> dict:
    """Group properties marking a project, keeping the other keys of existing
    properties (other plugins' marks) and of an existing project value."""
    existing = dict(existing or {})
    project = dict(_project(existing) or {})
    project.update(owners=sorted(set(owners)), title=title or "")
    existing[PROPERTY] = project
    return existing


def projects_of(user: Any) -> list[str]:
    """Sorted names of the project groups of a JupyterHub user (orm User or
    its wrapper: anything whose .groups items have .name and .properties)."""
    return sorted({g.name for g in getattr(user, "groups", None) or () if is_project(g.properties)})


def is_member(user_model: Mapping, group_model: Mapping) -> bool:
    """In the group (by either model). Being named an owner in the property is not membership."""
    name = user_model.get("name")
    return bool(name) and (name in (group_model.get("users") or ())
                           or group_model.get("name") in (user_model.get("groups") or ()))


def members_owners(group_model: Mapping) -> list[str]:
    """The owners who count: those named in the property who are members of the group, sorted."""
    members = set(group_model.get("users") or ())
    return [o for o in owners(group_model.get("properties")) if o in members]


def may_see(user_model: Mapping, group_model: Mapping) -> bool:
    """Whether the person may learn this project exists: admins and members.
    False for a group that is no project, so callers answer 404 alike for
    'no such project', 'not a project' and 'not yours'."""
    if not is_project(group_model.get("properties")):
        return False
    return bool(user_model.get("admin")) or is_member(user_model, group_model)


def may_manage(user_model: Mapping, group_model: Mapping) -> bool:
    """Whether the person may add and remove members and owners: admins, and owners who are members."""
    if not is_project(group_model.get("properties")):
        return False
    return bool(user_model.get("admin")) or (is_member(user_model, group_model)
                                              and user_model.get("name") in owners(group_model.get("properties")))


def may_create(user_model: Mapping) -> bool:
    """Creating and deleting projects is for admins only."""
    return bool(user_model.get("admin"))
