"""Playwright driving Debian's Chromium (never a downloaded browser).

`new_page(locale)` gives a fresh browser context per call, so cookies and
Accept-Language never leak between users or languages; when a test fails,
every page it opened is screenshotted into test-artifacts/ for CI.
"""

from __future__ import annotations

import os

import pytest

from ..harness import save_artifact

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


# One Playwright session for the whole package: two sync sessions cannot run
# at once, and a live one keeps its event loop marked as running in this
# thread, which would break asyncio.run() in later test packages.
@pytest.fixture(scope="package")
def playwright():
    # Fail, not skip: CI installs chromium, so its absence is a broken setup.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install chromium fonts-noto-cjk` "
                    "(the browser tests never download one)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.when == "call" and report.failed:
        item.browser_failed = True


@pytest.fixture
def new_page(browser, request):
    contexts = []

    def make(locale: str = "en-US"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for i, context in enumerate(contexts):
        if getattr(request.node, "browser_failed", False):
            for j, page in enumerate(context.pages):
                save_artifact(f"failed-{request.node.name}-{i}{j}.png", page.screenshot(full_page=True))
        context.close()
