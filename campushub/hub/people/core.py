"""One import and one export for the REST API and the admin page alike."""

from __future__ import annotations

import asyncio

from jupyterhub.scopes import has_scope

from ...i18n import N_, translate
from . import csvfile, plan, store
from .csvfile import Problem

REQUIRED_SCOPES = ("admin:users", "admin:groups")
NOT_ALLOWED = N_("Importing and exporting people needs the admin:users and admin:groups permissions.")
BAD_NAME = N_("\"{username}\" is not a valid user name on this hub: no spaces, no '/', not only dots.")
NOT_NORMAL = N_("\"{username}\" would be the hub user \"{normalised}\": write the name as \"{normalised}\".")
ADMIN_DENIED = N_("Only an administrator can grant or remove admin rights: this line was not applied.")

# One import at a time: each plans against the hub's current state.
_lock = asyncio.Lock()


def allowed(handler) -> bool:
    scopes = getattr(handler, "parsed_scopes", None) or {}
    return handler.current_user is not None and all(has_scope(s, scopes) for s in REQUIRED_SCOPES)


def may_change_admin(handler) -> bool:
    # JupyterHub lets only admins make admins. A caller holding `tokens` on
    # everyone (the CLI's operator role) can already act as any admin.
    return bool(getattr(handler.current_user, "admin", False)) or has_scope("tokens", handler.parsed_scopes)


def _name_checker(authenticator):
    def check(line: int, name: str) -> Problem | None:
        normalised = authenticator.normalize_username(name)
        if normalised != name:
            return Problem(line, NOT_NORMAL, {"username": name, "normalised": normalised})
        if not authenticator.validate_username(name) or any(ch.isspace() for ch in name):
            return Problem(line, BAD_NAME, {"username": name})
        return None
    return check


async def run_import(handler, data: bytes, *, dry_run: bool, sync_groups: bool) -> dict:
    """The result: summary counts, each applied line's outcome, each refused line's problem.
    Raises csvfile.FileProblem when the file as a whole cannot be read (nothing applied)."""
    rows, problems = csvfile.parse(csvfile.decode(data))
    async with _lock:
        steps, refused = plan.plan(rows, store.people(handler.db), _name_checker(handler.authenticator),
                                   sync_groups=sync_groups)
        problems += refused
        if not may_change_admin(handler):
            problems += [Problem(s.line, ADMIN_DENIED, {}) for s in steps if s.admin is not None]
            steps = [s for s in steps if s.admin is None]
        if not dry_run:
            await store.carry_out(handler, steps)
            handler.log.info("%s imported people: %s", handler.current_user.name, plan.summary(steps, problems))
    problems.sort(key=lambda p: p.line)
    return {
        "dry_run": dry_run,
        "summary": plan.summary(steps, problems),
        "lines": [{"line": s.line, "username": s.username, "outcome": s.outcome, "changes": s.english(),
                   "change_sources": [{"source": source, "params": params} for source, params in s.details]}
                  for s in steps],
        "errors": [problem_json(p) for p in problems],
    }


def problem_json(problem: Problem) -> dict:
    return {"line": problem.line, "message": problem.english(), "source": problem.source, "params": problem.params}


def translated(lang: str, message: dict) -> str:
    """An error or a change of the result ({source, params}) in `lang`."""
    return translate(lang, message["source"], **message["params"])


def export(handler) -> str:
    return csvfile.dump([{"username": name, "display_name": p.display_name, "groups": p.groups, "admin": p.admin}
                         for name, p in store.people(handler.db).items()])
