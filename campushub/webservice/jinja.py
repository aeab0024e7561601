"""The Jinja environment of a hub service's pages: the hub's i18n extension
(N_, the catalog checks), with the language the page's handler chose
(BaseHandler.lang: the site's ui.language, else the browser's) rather than
the extension's process-wide setting."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..i18n import translate, translate_message
from ..i18n.jinja import I18nExtension


def _language(context) -> str:
    # Every page passes static_url, a method of the handler rendering it (BaseHandler.render_string).
    handler = getattr(context.get("static_url"), "__self__", None)
    return handler.lang if handler is not None else "en"


@jinja2.pass_context
def _current_language(context) -> str:
    return _language(context)


@jinja2.pass_context
def _gettext(context, message: str, /, **kwargs) -> str:
    return translate(_language(context), message, **kwargs)


@jinja2.pass_context
def _translate_message(context, message, known) -> str:
    return translate_message(_language(context), message, known)


SHARED = Path(__file__).with_name("templates")


def environment(templates: Path) -> jinja2.Environment:
    """Autoescaping templates from the folder ``templates``, then the shared ones (service_page.html)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(templates), str(SHARED)]), autoescape=True,
                             extensions=[I18nExtension])
    env.globals.update(_=_gettext, gettext=_gettext, current_language=_current_language,
                       translate_message=_translate_message)
    return env
