"""The guides show only the screenshots the browser tests take (tests/help/screenshots.py), each of them
in every language, and the committed files are real screenshots, not the 1x1 placeholders."""

from __future__ import annotations

from .screenshots import IMG, LOCALES, MIN_WIDTH, PAGES, SCREENSHOTS, SHOT, images, page_lang, path, png_size


def shipped_pages():
    return sorted(p for p in PAGES.rglob("*.md") if IMG not in p.parents)


def test_every_image_of_a_guide_is_a_registered_screenshot():
    wrong = [f"{page.relative_to(PAGES)}:{line}: {target}" for page in shipped_pages()
             for line, target in images(page)
             if not (m := SHOT.match(target)) or m.group(1) not in SCREENSHOTS]
    assert not wrong, ("images that are not screenshots the browser tests take (write them as ../img/<name>.png "
                       f"with a name of tests/help/screenshots.py): {wrong}")


def test_every_screenshot_is_shown_in_every_language():
    shown = {lang: set() for lang in LOCALES}
    for page in shipped_pages():
        for _, target in images(page):
            if m := SHOT.match(target):
                shown[page_lang(page)].add(m.group(1))
    missing = {lang: sorted(set(SCREENSHOTS) - names) for lang, names in shown.items() if set(SCREENSHOTS) - names}
    assert not missing, f"screenshots no page of that language shows (add them to a guide): {missing}"


def test_the_committed_screenshots_are_real_and_nothing_else_is_in_img():
    expected = {path(name, lang) for name in SCREENSHOTS for lang in LOCALES}
    assert sorted(p.name for p in expected - set(IMG.iterdir())) == [], "run tests/help/test_screenshots_browser.py"
    assert sorted(p.name for p in set(IMG.iterdir()) - expected) == [], "files in img/ that no test writes"
    small = [f"{p.name}: {png_size(p)}" for p in sorted(expected) if png_size(p)[0] < MIN_WIDTH]
    assert not small, f"placeholders, not screenshots (run tests/help/test_screenshots_browser.py): {small}"
