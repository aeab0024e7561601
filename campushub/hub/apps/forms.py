"""What the apps page accepts, checked before anything changes. The start
form becomes the named server and user_options of campushub/apps, whose
check() is the one authority on an app (AppError, translated); what only a
form has (a command typed as one line, a share target) is checked here and
refused with a Problem: an English source in the catalog and its placeholders."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ...apps import model
from ...config import apps as apps_config
from ...i18n import N_, translate

KIND_BY_SUFFIX = {".ipynb": "voila", ".py": "streamlit"}

BAD_COMMAND = N_("The command cannot be read ({reason}): check its quotes.")
BAD_SHARE_KIND = N_("Choose whether to share with a person or a group.")
NO_SHARE_NAME = N_("Give the name of the person or group to share with.")


@dataclass
class Problem(ValueError):
    source: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.source.format(**self.params)

    def translated(self, lang: str) -> str:
        return translate(lang, self.source, **self.params)


@dataclass(frozen=True)
class StartRequest:
    server: str  # the named server, app-<name>
    options: dict  # its user_options


def slug_for(path: str) -> str:
    """A default name for an app of this file: its stem, made a slug."""
    stem = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(path or "").stem.lower()).strip("-")
    return stem[:31].rstrip("-") or "app"


def default_kind(path: str, kinds: list[str]) -> str:
    kind = KIND_BY_SUFFIX.get(PurePosixPath(path or "").suffix.lower(), "")
    return kind if kind in kinds else (kinds[0] if kinds else "")


def start_request(form: dict, config: dict) -> StartRequest:
    """form: the posted fields; config: the site configuration. AppError or Problem when refused."""
    server = model.server_name((form.get("name") or "").strip())
    kind = (form.get("kind") or "").strip()
    options = {"kind": kind, "path": (form.get("path") or "").strip(),
               "title": (form.get("title") or "").strip() or server[len(model.APP_PREFIX):]}
    if kind == "command" and "command" in apps_config.kinds(config):
        try:
            options["command"] = shlex.split(form.get("command") or "")
        except ValueError as e:
            raise Problem(BAD_COMMAND, {"reason": str(e)}) from None
    spec = model.check(options, config)
    return StartRequest(server, {model.OPTION: spec.as_options()})


def app_server(name: str) -> str:
    """The server of an app named on a form (its slug); AppError if no app could be called so."""
    return model.server_name((name or "").strip())


def share_target(form: dict) -> tuple[str, str]:
    """("user" or "group", name) of the share form."""
    kind = (form.get("kind") or "").strip()
    if kind not in ("user", "group"):
        raise Problem(BAD_SHARE_KIND)
    name = (form.get("name") or "").strip()
    if not name:
        raise Problem(NO_SHARE_NAME)
    return kind, name[:255]
