"""The JupyterLab side of apps (labextension/src/apps.js) in the committed
build: its card and context-menu command open the hub's apps page, and every
label it shows is one the hub translates (hub/apps/texts.py) and hands over
in the page config; the page opens at the hub's own host (hubHost)."""

from __future__ import annotations

import re
from pathlib import Path

from campushub.hub.apps.texts import TEXTS
from campushub.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "campushub" / "singleuser" / "labextension"


def test_the_build_has_the_card_and_the_context_menu_command():
    code = "".join(p.read_text() for p in (LAB / "dist" / "static").glob("*.js"))
    for needle in ("campushub:share-an-app", "campushub:run-as-app", "campushubApps", "hubHost",
                   'data-file-type="', "hubPrefix"):
        assert needle in code, needle


def test_every_label_of_the_plugin_comes_translated_from_the_hub():
    source = (LAB / "src" / "apps.js").read_text()
    said = set(re.findall(r"say\('([^']*)'\)", source))
    assert said and said <= set(TEXTS)
    for lang in ("ja", "ru"):
        assert all(catalog(lang).get(text) for text in TEXTS), lang
