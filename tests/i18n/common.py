"""Shared by the i18n tests: the catalogs, the templates and how marked strings are found."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import string
from pathlib import Path

from jupyterhub._data import DATA_FILES_PATH

PACKAGE = Path(__file__).resolve().parents[2] / "campushub"
OURS = PACKAGE / "hub" / "templates"
ASSIGNMENT_TEMPLATES = PACKAGE / "assignments" / "web" / "templates"
ANALYTICS_TEMPLATES = PACKAGE / "analytics" / "web" / "templates"
PROJECTS_TEMPLATES = PACKAGE / "projects" / "web" / "templates"
JOBS_TEMPLATES = PACKAGE / "jobs" / "web" / "templates"
SERVICE_TEMPLATES = PACKAGE / "webservice" / "templates"
JUPYTERHUB = Path(DATA_FILES_PATH) / "templates"
NATIVE = Path(importlib.util.find_spec("nativeauthenticator").origin).parent
JA = json.loads((PACKAGE / "i18n" / "locale" / "ja.json").read_text(encoding="utf-8"))
RU = json.loads((PACKAGE / "i18n" / "locale" / "ru.json").read_text(encoding="utf-8"))
CATALOGS = {"ja": JA, "ru": RU}
IDENTICAL_OK = {"URL", "CPU", "GPUs"}  # words Japanese and Russian UIs keep

# _("..."), N_("..."), gettext("...") and translate(lang, "...").
_LIT = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
MARKED = re.compile(r"\b(?:N_|_|gettext)\(\s*" + _LIT)
TRANSLATE = re.compile(r"\btranslate\(\s*[^,()]+,\s*" + _LIT)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SCRIPTS = {"ja": JAPANESE, "ru": CYRILLIC}


def strings_in(text: str, patterns=(MARKED, TRANSLATE)) -> set[str]:
    return {a or b for p in patterns for a, b in p.findall(text)}


def python_strings(path: Path) -> set[str]:
    """Marked strings of a module, read with ast so that implicitly
    concatenated literals ("a " "b") count as the one string they are."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out |= strings_in(node.value)  # template source kept in Python (PAGE_PATCHES)
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        position = {"N_": 0, "_": 0, "gettext": 0, "translate": 1}.get(name)
        if position is not None and len(node.args) > position:
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.add(arg.value)
    return out


def template_strings() -> dict[str, set[str]]:
    found = {p.name: strings_in(p.read_text(encoding="utf-8")) for p in sorted(OURS.glob("*.html"))}
    # The assignments service's pages use the same catalog (keys prefixed: both have an error.html).
    found.update({f"assignments/{p.name}": strings_in(p.read_text(encoding="utf-8"))
                  for p in sorted(ASSIGNMENT_TEMPLATES.glob("*.html"))})
    found.update({f"analytics/{p.name}": strings_in(p.read_text(encoding="utf-8"))
                  for p in sorted(ANALYTICS_TEMPLATES.glob("*.html"))})
    found.update({f"projects/{p.name}": strings_in(p.read_text(encoding="utf-8"))
                  for p in sorted(PROJECTS_TEMPLATES.glob("*.html"))})
    found.update({f"jobs/{p.name}": strings_in(p.read_text(encoding="utf-8"))
                  for p in sorted(JOBS_TEMPLATES.glob("*.html"))})
    found.update({f"webservice/{p.name}": strings_in(p.read_text(encoding="utf-8"))
                  for p in sorted(SERVICE_TEMPLATES.glob("*.html"))})
    return found


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
