"""What an app is, with no JupyterHub import: the spawners, the hub's apps
page and the JupyterLab card all read apps through these names.

An app is a named server of its owner, called APP_PREFIX + slug, whose
user_options hold OPTION: {"kind": ..., "path": ..., "command": [...],
"title": ...}. Its only process tree is our app proxy (jupyter-server-proxy's
standalone mode) and the app behind it (kinds.py builds the command).

check() is the one authority on a request: the spawners call it for every
start, REST or page, and refuse (400) with its one-line, translated message.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ..config import apps as apps_config
from ..i18n import N_, translate

APP_PREFIX = "app-"
OPTION = "campushub_app"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
KINDS = ("streamlit", "dash", "panel", "voila", "command")
# What each kind starts from; a command may start from anything (or nothing).
SUFFIXES = {"streamlit": (".py",), "dash": (".py",), "panel": (".py", ".ipynb"), "voila": (".ipynb",)}
KEYS = ("kind", "path", "command", "title")
MAX_PATH = 1024
MAX_TITLE = 100
MAX_ARGS = 32
MAX_ARG = 1000

NOT_ENABLED = N_("Apps are not enabled on this site.")
NOT_AN_OBJECT = N_("The app options must be an object with kind, path, command and title.")
UNKNOWN_KEY = N_("Unknown app option {key}. Allowed: kind, path, command, title.")
BAD_KIND = N_("The app kind {kind} is not available. Choose one of: {allowed}.")
BAD_PATH = N_("The app file must be a path inside your home, like work/app.py, without '..'.")
BAD_SUFFIX = N_("A {kind} app starts from a file ending in {suffixes}.")
BAD_COMMAND = N_("The command must be a list of 1 to {max} words, each a non-empty text.")
NO_COMMAND = N_("Only a command app takes a command.")
BAD_TITLE = N_("The title must be a text of at most {max} characters.")
BAD_NAME = N_("An app's server name is app- followed by 1 to 31 lower-case letters, digits or hyphens.")
NOT_APP_NAME = N_("App servers must be named app-<name>; this server is not an app.")
TOO_MANY = N_("You may run at most {max} apps at once. Stop one first.")


class AppError(ValueError):
    """A refused app request: one line in English, translated() for the person."""

    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(translate("en", message, **params))

    def translated(self, lang: str) -> str:
        return translate(lang, self.message, **self.params)


@dataclass(frozen=True)
class AppSpec:
    kind: str
    path: str  # relative to the owner's home, normalised
    command: tuple[str, ...] = field(default=())  # kind "command" only
    title: str = ""

    def as_options(self) -> dict:
        """The value of OPTION in user_options (what check() accepts back)."""
        out: dict[str, Any] = {"kind": self.kind, "path": self.path, "title": self.title}
        if self.kind == "command":
            out["command"] = list(self.command)
        return out


def is_app(server_name: str | None) -> bool:
    return bool(server_name) and server_name.startswith(APP_PREFIX)


def server_name(slug: str) -> str:
    """The named server of the app called slug; AppError unless slug is valid."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise AppError(BAD_NAME)
    return APP_PREFIX + slug


def check_server_name(name: str) -> None:
    server_name(name[len(APP_PREFIX):] if is_app(name) else "")


def check(options: Any, config: dict) -> AppSpec:
    """The app a request asks for (the value of user_options[OPTION]), or
    AppError: what was wrong and what to do, in one line."""
    if not apps_config.enabled(config):
        raise AppError(NOT_ENABLED)
    if not isinstance(options, dict):
        raise AppError(NOT_AN_OBJECT)
    for key in options:
        if key not in KEYS:
            raise AppError(UNKNOWN_KEY, key=str(key)[:40])
    allowed = apps_config.kinds(config)
    kind = options.get("kind")
    if kind not in allowed:
        raise AppError(BAD_KIND, kind=str(kind)[:40], allowed=", ".join(allowed))
    path = _path(options.get("path"), kind)
    command = _command(options.get("command"), kind)
    title = options.get("title") or ""
    if not isinstance(title, str) or len(title) > MAX_TITLE or not title.isprintable():
        raise AppError(BAD_TITLE, max=MAX_TITLE)
    return AppSpec(kind=kind, path=path, command=command, title=title.strip())


def _path(value: Any, kind: str) -> str:
    if kind == "command" and value in (None, ""):
        return ""  # a command need not start from a file
    if (not isinstance(value, str) or not value or len(value) > MAX_PATH or "\0" in value
            or value.startswith(("/", "~")) or not value.isprintable()):
        raise AppError(BAD_PATH)
    path = posixpath.normpath(value)
    if path in (".", "..") or path.startswith("../") or ".." in path.split("/"):
        raise AppError(BAD_PATH)
    suffixes = SUFFIXES.get(kind)
    if suffixes and not path.endswith(suffixes):
        raise AppError(BAD_SUFFIX, kind=kind, suffixes=" or ".join(suffixes))
    return path


def _command(value: Any, kind: str) -> tuple[str, ...]:
    if kind != "command":
        if value not in (None, [], ()):
            raise AppError(NO_COMMAND)
        return ()
    if (not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_ARGS
            or not all(isinstance(a, str) and a and len(a) <= MAX_ARG and "\0" not in a for a in value)):
        raise AppError(BAD_COMMAND, max=MAX_ARGS)
    return tuple(value)
