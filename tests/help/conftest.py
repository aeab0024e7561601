"""The browser tests of the help portal use tests/browser's Playwright fixtures (Debian's Chromium,
a fresh context per language, screenshots of failures in test-artifacts/): one sync Playwright
session at a time, so they are imported here, once for the package, not in each module."""

from __future__ import annotations

from ..browser.conftest import browser, new_page, playwright, pytest_runtest_makereport  # noqa: F401
