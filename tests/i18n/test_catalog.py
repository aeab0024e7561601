"""The catalogs: every marked string of code and templates translated into Japanese and
Russian, placeholders kept, nothing stale, runtime messages matching upstream's source."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

from campushub.i18n.jinja import PAGE_PATCHES

from .common import (
    _LIT,
    CATALOGS,
    CYRILLIC,
    IDENTICAL_OK,
    JA,
    JAPANESE,
    JUPYTERHUB,
    MARKED,
    NATIVE,
    OURS,
    PACKAGE,
    RU,
    SCRIPTS,
    fields,
    python_strings,
    strings_in,
    template_strings,
)


@pytest.mark.parametrize("lang", CATALOGS)
def test_every_template_string_is_translated(lang):
    cat = CATALOGS[lang]
    missing = {name: sorted(s - cat.keys()) for name, s in template_strings().items() if s - cat.keys()}
    assert not missing, f"add these to campushub/i18n/locale/{lang}.json (/tmp/chub/addstrings.py): {missing}"


def test_translation_calls_in_templates_use_literals():
    # A call with a variable would escape the check above.
    for path in OURS.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        calls = re.findall(r"\b(?:N_|_|gettext)\(", text)
        assert len(calls) == len(MARKED.findall(text)), f"{path.name}: _() needs a string literal"


@pytest.mark.parametrize("lang", CATALOGS)
def test_no_stale_or_untranslated_python_entries(lang):
    cat = CATALOGS[lang]
    used = set().union(*template_strings().values())
    for path in PACKAGE.rglob("*.py"):
        found = python_strings(path)
        assert found <= cat.keys(), f"{path}: untranslated in {lang}.json {sorted(found - cat.keys())}"
        used |= found
    assert not cat.keys() - used, f"unused {lang}.json entries: {sorted(cat.keys() - used)}"


def test_catalogs_have_the_same_sources():
    assert JA.keys() == RU.keys(), {"only ja": sorted(JA.keys() - RU.keys()), "only ru": sorted(RU.keys() - JA.keys())}


@pytest.mark.parametrize("lang, source", [(lang, s) for lang, cat in CATALOGS.items() for s in sorted(cat)])
def test_catalog_entry_is_well_formed(lang, source):
    target = CATALOGS[lang][source]
    assert "\n" not in source and "\\" not in source
    assert fields(source) == fields(target), "placeholders must survive translation"
    assert SCRIPTS[lang].search(target) or source in IDENTICAL_OK, "not translated"
    assert not (lang == "ru" and JAPANESE.search(target)), "Japanese in the Russian catalog"
    assert not (lang == "ja" and CYRILLIC.search(target)), "Russian in the Japanese catalog"


# Russian numerals decline by the number ("1 файл", "2 файла", "5 файлов"), and
# str.format cannot choose; a count placeholder right before a noun reads wrong
# for most numbers, so Russian messages put counts after a colon or in brackets.
COUNTS = {"limit", "seconds", "requested", "free", "total", "minimum_password_length", "n", "count", "used"}


@pytest.mark.parametrize("source", sorted(s for s in RU if fields(s) & COUNTS))
def test_russian_counts_avoid_plural_forms(source):
    target = RU[source]
    for name in fields(source) & COUNTS:
        after = target.split(f"{{{name}}}", 1)[1]
        noun = re.match(r"\s*([а-яё]+)", after, re.IGNORECASE)
        assert not noun or noun.group(1).lower() in {"из", "с", "миб", "при"}, (
            f"{{{name}}} is followed by the word {noun.group(1)!r}, which must agree with the number: "
            "rephrase, e.g. 'Готово: {n}'")


def upstream_strings(path: Path) -> set[str]:
    """String constants of a module, f-string fields written as {name}."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.add("".join(
                v.value if isinstance(v, ast.Constant) else f"{{{ast.unparse(v.value)}}}"
                for v in node.values
            ))
    return {" ".join(s.split()) for s in out}


@pytest.mark.parametrize(
    "template, module",
    [
        ("native-login.html", NATIVE / "handlers.py"),
        ("signup.html", NATIVE / "handlers.py"),
        ("error.html", [Path(importlib.util.find_spec("jupyterhub").origin).parent / "handlers" / "base.py",
                        Path(importlib.util.find_spec("oauthenticator").origin).parent / "oauth2.py"]),
        ("login.html", Path(importlib.util.find_spec("jupyterhub").origin).parent / "handlers" / "login.py"),
        ("change-password.html", NATIVE / "handlers.py"),
        ("change-password-admin.html", NATIVE / "handlers.py"),
        ("my_message.html", NATIVE / "handlers.py"),
    ],
)
def test_runtime_messages_match_upstream_source(template, module):
    # translate_message only works if the N_ list matches what upstream builds.
    known = strings_in((OURS / template).read_text(encoding="utf-8"), [re.compile(r"\bN_\(\s*" + _LIT)])
    upstream = set().union(*(upstream_strings(m) for m in (module if isinstance(module, list) else [module])))
    assert known and known <= upstream, sorted(known - upstream)


def test_page_patches_still_apply():
    source = (JUPYTERHUB / "page.html").read_text(encoding="utf-8")
    for old, _new in PAGE_PATCHES:
        assert old in source, f"JupyterHub's page.html changed; update PAGE_PATCHES: {old!r}"




def test_own_environments_page_has_every_language():
    # A static page served in the user's environment (no catalog there).
    page = (PACKAGE / "singleuser" / "own_environments" / "index.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section lang="(\w+)" id="\1"[^>]*>(.*?)</section>', page, re.S))
    assert sections.keys() == {"en", *CATALOGS}
    commands = {lang: re.findall(r"<pre><code>(.*?)</code></pre>", text, re.S) for lang, text in sections.items()}
    assert all(c == commands["en"] and c for c in commands.values())
    for lang, script in SCRIPTS.items():
        assert script.search(sections[lang]) and f'data-show="{lang}"' in page
