"""Translation core shared by every page CampusHub serves (hub now; assignments,
analytics later). Framework-free on purpose: only the standard library.

Catalogs live in ``locale/<lang>.json`` and map the English source string to its
translation, so English needs no catalog and a missing entry falls back to it.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

SUPPORTED = ("en", "ja", "ru")
DEFAULT = "en"
FIXED_CHOICES = ("auto",) + SUPPORTED
# JupyterLab's language packs (in the shared environment) are named by locale.
LAB_LOCALES = {"ja": "ja_JP", "ru": "ru_RU"}


def lab_default_settings(locale: str) -> dict:
    """JupyterLab settings defaults (jupyterlab_server's
    default_setting_overrides.json) that make ``locale`` its language unless
    the person chose another in JupyterLab's own settings."""
    return {"@jupyterlab/translation-extension:plugin": {"locale": locale}}
_LOCALE_DIR = Path(__file__).with_name("locale")
# Accept-Language comes from the client: bound what we parse and cache.
_MAX_HEADER = 512


def negotiate(accept_language: str | None, fixed: str = "auto") -> str:
    """The language to serve: ``fixed`` unless it is "auto" (or invalid), else
    the best supported language of an Accept-Language header, else English."""
    fixed = (fixed or "auto").strip().lower()
    if fixed in SUPPORTED:
        return fixed
    return _from_header((accept_language or "")[:_MAX_HEADER])


@lru_cache(maxsize=256)
def _from_header(header: str) -> str:
    best = None  # (q, -position, lang): highest q wins, earlier entry breaks ties
    for position, item in enumerate(header.split(",")):
        tag, *params = item.split(";")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0  # malformed weight: ignore the entry
        if not 0 < q <= 1:  # q=0 means "not acceptable"
            continue
        # "ja-JP" / "ja_JP" -> "ja"; "*" accepts anything, i.e. our default.
        primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
        lang = DEFAULT if primary == "*" else primary
        if lang in SUPPORTED and (best is None or (q, -position) > best[:2]):
            best = (q, -position, lang)
    return best[2] if best else DEFAULT


@cache
def catalog(lang: str) -> dict[str, str]:
    """English source -> translation; loaded on first use, then cached."""
    if lang not in SUPPORTED or lang == DEFAULT:  # never build paths from input
        return {}
    with open(_LOCALE_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def N_(message: str) -> str:
    """Mark a source string for the catalog (and its tests) where it is
    defined; it is translated later, when the language is known."""
    return message


def translate(lang: str, message: str, /, **kwargs) -> str:
    """``message`` in ``lang`` (English if untranslated), with named
    ``str.format`` placeholders filled in after the lookup. Positional-only
    so that placeholders may be called ``message`` or ``lang``."""
    text = catalog(lang).get(message, message) if lang in SUPPORTED else message
    if not kwargs:
        return text
    try:
        return text.format(**kwargs)
    except (KeyError, IndexError, ValueError):
        # A broken translation must not break the page: use the source.
        return message.format(**kwargs)


def translate_message(lang: str, message: str | None, known: Iterable[str]) -> str:
    """Translate a message built by code we do not own (e.g. an authenticator's
    f-string "User alice has not been authorized ..."): match it against the
    ``known`` source strings, whose ``{placeholders}`` capture the variable
    parts. Whitespace is compared collapsed because such messages often embed
    newlines that HTML renders as spaces. Unknown messages are returned as is."""
    if not message:
        return message or ""
    text = " ".join(str(message).split())
    for source in known:
        match = _pattern(source).fullmatch(text)
        if match:
            return translate(lang, source, **match.groupdict())
    return str(message)


@cache
def _pattern(source: str) -> re.Pattern:
    parts, seen = [], set()
    for literal, field, _spec, _conv in string.Formatter().parse(" ".join(source.split())):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
            seen.add(field)
    return re.compile("".join(parts), re.DOTALL)
