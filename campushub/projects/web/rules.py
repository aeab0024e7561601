"""The projects service's rules on top of the model's (projects/model.py:
who may see, manage, create): what a change must satisfy before anything is
sent to the hub. Pure, so the fast tests check every rule directly; each
refusal is a Refused with a one-line catalog message."""

from __future__ import annotations

from collections.abc import Mapping

from ...i18n import N_
from .. import model

NO_PROJECT = N_("There is no project \"{name}\" that you can see.")
MANAGERS_ONLY = N_("Only the project's owners and the hub's administrators may change its members.")
ADMINS_ONLY = N_("Only the hub's administrators may create or delete projects.")
BAD_NAME = N_("\"{name}\" is not a project name: use 2 to 40 lower-case letters, digits and hyphens, starting "
              "and ending with a letter or digit.")
BAD_USER = N_("\"{user}\" is not a user name as the hub stores it: write the login name in lower case, without "
              "spaces or slashes.")
BAD_TITLE = N_("The title must be at most {most} characters, on one line.")
NO_OWNER = N_("A project needs at least one owner: name one.")
NOT_MEMBER = N_("{user} is not a member of this project.")
NOT_OWNER = N_("{user} is not an owner of this project.")
LAST_OWNER = N_("{user} is the project's last owner: make someone else an owner first.")
DECLARED = N_("{user} is declared in campushub.yaml for this project; change it there.")
OWNERS_DECLARED = N_("This project's owners are declared in campushub.yaml; change them there.")
CONFIRM = N_("Type the project's name, {name}, to confirm that it is to be deleted.")
TITLE_MAX = 200


class Refused(Exception):
    def __init__(self, status: int, message: str, **values):
        super().__init__(message.format(**values))
        self.status, self.message, self.values = status, message, values


def project_name(name: str) -> str:
    """A name to look up: one that cannot be a project is simply not found (404, as for others' projects)."""
    if not isinstance(name, str) or not model.NAME_RE.fullmatch(name):
        raise Refused(404, NO_PROJECT, name=str(name)[:80])
    return name


def visible(user: Mapping, group: Mapping | None, name: str) -> Mapping:
    """The group when the person may know the project exists, else 404 alike for absent, not a project, not theirs."""
    if group is None or not model.may_see(user, group):
        raise Refused(404, NO_PROJECT, name=name)
    return group


def manageable(user: Mapping, group: Mapping) -> None:
    if not model.may_manage(user, group):
        raise Refused(403, MANAGERS_ONLY)


def admin(user: Mapping) -> None:
    if not model.may_create(user):
        raise Refused(403, ADMINS_ONLY)


def user_name(text) -> str:
    name = text.strip() if isinstance(text, str) else text
    try:
        model.check_user_name(name)
    except ValueError:
        raise Refused(400, BAD_USER, user=str(text)[:80]) from None
    return name


def new_project(name, title, owners, members) -> tuple[str, str, list[str], list[str]]:
    """(name, title, owners, members with the owners) of a project to create, or Refused."""
    if not isinstance(name, str) or not model.NAME_RE.fullmatch(name.strip()):
        raise Refused(400, BAD_NAME, name=str(name)[:80])
    if title is not None and not isinstance(title, str):
        raise Refused(400, BAD_TITLE, most=TITLE_MAX)
    title = (title or "").strip()
    if len(title) > TITLE_MAX or any(c in title for c in "\r\n"):
        raise Refused(400, BAD_TITLE, most=TITLE_MAX)
    owners = sorted({user_name(o) for o in _names(owners)})
    if not owners:
        raise Refused(400, NO_OWNER)
    members = sorted({user_name(m) for m in _names(members)} | set(owners))
    return name.strip(), title, owners, members


def _names(value) -> list:
    """A list of names from JSON (a list) or a form field (comma- or space-separated)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]  # user_name refuses it with its one line


def new_owner(person: str, declared: Mapping | None) -> None:
    """Making `person` an owner: refused on a declared project (the file wins for owners at each hub
    start, so the page's owner would silently stop being one)."""
    if declared is not None and person not in declared.get("owners", ()):
        raise Refused(400, OWNERS_DECLARED)


def removal(user: Mapping, group: Mapping, person: str, ownership_only: bool,
            declared: Mapping | None = None) -> list[str]:
    """The owners left after removing `person` (as a member, or only as an owner), or Refused.
    Owners named in the property who are not in the group are no owners (model.members_owners):
    they are dropped from what is written back. `declared`: the project's entry in campushub.yaml
    (projects.declared: owners, members with the owners), which the hub restores at each start,
    so a change the file would undo is refused instead of silently lasting until the next restart."""
    owners = model.members_owners(group)
    if ownership_only and person not in owners:
        raise Refused(400, NOT_OWNER, user=person)
    if not ownership_only and person not in (group.get("users") or ()):
        raise Refused(400, NOT_MEMBER, user=person)
    if person in (declared or {}).get("owners" if ownership_only else "members", ()):
        raise Refused(400, DECLARED, user=person)
    if ownership_only and declared is not None:  # the file's owners only, restored at each start
        raise Refused(400, OWNERS_DECLARED)
    left = [o for o in owners if o != person]
    # owners keep a project in someone's hands; an admin may leave it to the admins
    if owners and not left and not user.get("admin"):
        raise Refused(400, LAST_OWNER, user=person)
    return left


def confirmed(name: str, typed) -> None:
    if not isinstance(typed, str) or typed.strip() != name:
        raise Refused(400, CONFIRM, name=name)
