"""The screenshots the help portal's guides show, in one place: their names, what each shows, and where
the browser tests (test_screenshots_browser.py) write them. A guide references one as
`![alt text](../img/<name>.png)`; mkdocs-static-i18n serves `<name>.ja.png` / `<name>.ru.png` on the
Japanese / Russian page, which the tests take with a browser in that language."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import campushub

PAGES = Path(campushub.__file__).parent / "help" / "pages"
IMG = PAGES / "img"

SCREENSHOTS = {
    "hub-home": "a learner's hub home page with a stopped server (the Start button)",
    "spawn-form": "the server options form: CPU and memory ranges, the environment",
    "assignments": "a learner's page of an assignment with a submitted, autograded version",
    "grading": "a tutor's grading page of one learner's submission",
    "analytics": "the analytics page of a course",
    "jobs": "the jobs page with a finished job",
}
LOCALES = {"en": "en-US", "ja": "ja-JP", "ru": "ru-RU"}  # the browser's locale each file is taken in
MIN_WIDTH = 800  # a real page's screenshot; the placeholders the project started with are 1x1

# ![alt](target) or ![alt](target "title"): the target
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
SHOT = re.compile(r"^(?:\.\./)*img/([a-z0-9-]+)\.png$")


def path(name: str, lang: str) -> Path:
    return IMG / (f"{name}.png" if lang == "en" else f"{name}.{lang}.png")


def page_lang(page: Path) -> str:
    """x.md is English, x.ja.md Japanese (static-i18n's suffix structure)."""
    parts = page.name.split(".")
    return parts[-2] if len(parts) > 2 and parts[-2] in LOCALES else "en"


def images(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every image a Markdown page shows."""
    return [(number, target) for number, line in enumerate(page.read_text().splitlines(), 1)
            for target in IMAGE.findall(line)]


def png_size(file: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; ValueError when it is no PNG."""
    head = file.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{file} is not a PNG")
    return struct.unpack(">II", head[16:24])
