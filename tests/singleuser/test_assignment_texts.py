"""The assignments extension's texts: every English string it can show is
one the hub translates at spawn (hub/assignment_texts.py), in ja and ru."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from campushub.hub import assignment_texts
from campushub.i18n import catalog

SINGLEUSER = Path(__file__).resolve().parents[2] / "campushub" / "singleuser"
LAB = SINGLEUSER / "labextension" / "src" / "index.js"


def strings_shown(path: Path) -> set[str]:
    """Literal texts of _() and Refused(...) calls, the BAD_NAME table, UNREACHABLE and handler titles."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = node.args[1:2] if node.func.id == "Refused" else node.args[:1] if node.func.id == "_" else []
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("title", "question", "UNREACHABLE") and isinstance(node.value, ast.Constant):
                found.add(node.value.value)
            elif node.targets[0].id == "BAD_NAME":
                found |= {v.value for v in node.value.values}
        elif isinstance(node, ast.Tuple) and any(isinstance(e, ast.Constant) and e.value == "Submit assignment"
                                                 for e in node.elts):
            found |= {e.value for e in node.elts}  # the labels JupyterLab gets
    found.discard("{message}")  # the service's own reply, translated by the service
    return found


def test_the_hub_translates_exactly_what_the_extension_says():
    shown = strings_shown(SINGLEUSER / "assignments_server.py") | strings_shown(SINGLEUSER / "assignments_folder.py")
    assert len(shown) > 15
    assert shown == set(assignment_texts.TEXTS)


def test_jupyterlab_asks_only_for_labels_the_server_sends():
    source = LAB.read_text()
    asked = set(__import__("re").findall(r"say\('([^']+)'\)", source))
    assert asked and asked <= set(assignment_texts.TEXTS), asked


@pytest.mark.parametrize("lang", ["ja", "ru"])
def test_every_text_is_translated(lang):
    missing = [t for t in assignment_texts.TEXTS if not catalog(lang).get(t)]
    assert not missing, missing


def test_the_server_speaks_the_learners_language(monkeypatch):
    env = assignment_texts.server_env("ja")
    monkeypatch.setenv(assignment_texts.TEXTS_ENV, env[assignment_texts.TEXTS_ENV])
    from campushub.singleuser import assignments_server

    assert json.loads(env[assignment_texts.TEXTS_ENV])["lang"] == "ja"
    said = assignments_server._("Not a valid course name: {name}", name="x/y")
    assert said == catalog("ja")["Not a valid course name: {name}"].format(name="x/y") and "x/y" in said
    # a translation with a broken placeholder falls back to English, never fails
    monkeypatch.setenv(assignment_texts.TEXTS_ENV, json.dumps({"texts": {"Fetched {count} new files into {folder}.":
                                                                         "{nope}"}}))
    assert assignments_server._("Fetched {count} new files into {folder}.", count=2, folder="f") == \
        "Fetched 2 new files into f."
