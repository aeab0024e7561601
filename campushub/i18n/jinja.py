"""Jinja2 side of the translation mechanism, loadable by import string:

    c.JupyterHub.jinja_environment_options = {
        "extensions": ["campushub.i18n.jinja.I18nExtension"]}

Templates then call ``_(source, **placeholders)`` (alias ``gettext``),
``current_language()`` for ``<html lang>``, and ``translate_message(msg, known)``
for messages other packages build at runtime, listing their English sources
wrapped in ``N_`` so the catalog checks in tests/i18n see them.
"""

from __future__ import annotations

import os

from jinja2 import pass_context
from jinja2.ext import Extension

from . import SUPPORTED, negotiate, translate, translate_message

ENV_VAR = "CAMPUSHUB_LANGUAGE"

# JupyterHub's page.html writes these outside any block, so a child template
# cannot override them; rewrite its source when Jinja loads it instead.
# (tests/i18n checks that every `old` still occurs in the installed file.)
PAGE_PATCHES = (
    ('<html lang="en">', '<html lang="{{ current_language() }}">'),
    ('aria-label="Toggle navigation"', 'aria-label="{{ _("Toggle navigation") }}"'),
    ("JupyterHub requires JavaScript.", '{{ _("JupyterHub requires JavaScript.") }}'),
    ("Please enable it to proceed.", '{{ _("Please enable it to proceed.") }}'),
    # The modal's id is derived from its title ("error-dialog", used by
    # JupyterHub's JS), so translate only the displayed heading.
    ('id="{{ key }}-label">{{ title }}</h2>',
     'id="{{ key }}-label">{{ _("Error") if title == "Error" else title }}</h2>'),
    ('aria-label="Close"', 'aria-label="{{ _("Close") }}"'),
    ("btn_label='OK'", 'btn_label=_("Close")'),
)
PATCHED_TEMPLATES = {"templates/page.html", "page.html"}


def fixed_language() -> str:
    """The configured language: the hub config's class setting unless it is
    "auto", then $CAMPUSHUB_LANGUAGE (for plain jupyterhub_config.py setups)."""
    fixed = (I18nExtension.fixed_language or "auto").strip().lower()
    if fixed in SUPPORTED:
        return fixed
    return os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"


def _accept_language(context) -> str | None:
    # JupyterHub's BaseHandler.template_namespace has no request in it, but it
    # always has static_url=self.static_url, a method bound to the handler
    # serving this page; __self__ is that handler. This works for the sync
    # environment write_error() uses too, and for any tornado handler.
    handler = getattr(context.get("static_url"), "__self__", None)
    headers = getattr(getattr(handler, "request", None), "headers", None)
    try:
        return headers.get("Accept-Language") if headers is not None else None
    except Exception:  # an odd headers object must not break rendering
        return None


@pass_context
def current_language(context) -> str:
    return negotiate(_accept_language(context), fixed_language())


@pass_context
def gettext(context, message: str, /, **kwargs) -> str:
    return translate(current_language(context), message, **kwargs)


@pass_context
def _translate_message(context, message, known) -> str:
    return translate_message(current_language(context), message, known)


def noop(message: str) -> str:
    """Marks a source string for the catalog checks without translating it."""
    return message


class I18nExtension(Extension):
    # Set by campushub.hub.settings from config `ui.language`: auto | en | ja | ru.
    fixed_language = "auto"

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals.update(
            _=gettext,
            gettext=gettext,
            N_=noop,
            current_language=current_language,
            translate_message=_translate_message,
        )

    def preprocess(self, source, name, filename=None):
        if name in PATCHED_TEMPLATES:
            for old, new in PAGE_PATCHES:
                source = source.replace(old, new)
        return source
