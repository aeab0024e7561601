"""The guides' campushub.yaml examples are valid site configurations: an operator copies them as they are.
A YAML block whose top-level keys are all sections of the schema is taken for one (a chart values block or
a nav.yml is not), and is checked by the same validation as `campushub config check`, in every language."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from campushub.config import ConfigError, validate

PAGES = Path(__file__).resolve().parents[2] / "campushub" / "help" / "pages"
BLOCK = re.compile(r"^(?P<indent>[ \t]*)```ya?ml[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
SECTIONS = set(yaml.safe_load(resources.files("campushub.config").joinpath("schema.yaml").read_text())["properties"])


def _snippets() -> list[tuple[str, str]]:
    found = []
    for page in sorted(PAGES.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 2
            body = "\n".join(row[len(m.group("indent")):] for row in m.group("body").splitlines())
            found.append((f"{page.relative_to(PAGES)}:{line}", body))
    return found


SNIPPETS = _snippets()
CONFIGS = [(where, doc) for where, body in SNIPPETS
           if isinstance(doc := yaml.safe_load(body), dict) and doc and set(doc) <= SECTIONS]


def test_the_guides_have_configuration_examples():
    assert len(CONFIGS) >= 10, [where for where, _ in CONFIGS]  # the check below checks something


@pytest.mark.parametrize(("where", "doc"), CONFIGS, ids=[where for where, _ in CONFIGS])
def test_each_configuration_example_is_valid(where, doc):
    try:
        validate(doc)
    except ConfigError as e:
        pytest.fail(f"{where}: {e}")
