"""The apps page's scope hook keeps one process-wide switch (hub/apps/viewers.py),
which any test applying a default site configuration turns on (apps are not
shareable by default): each test here starts from sharing allowed, as the
tests of sharing expect, and the test that wants it off says so."""

from __future__ import annotations

import pytest

from campushub.hub.apps import viewers


@pytest.fixture(autouse=True)
def sharing_allowed_unless_a_test_says_otherwise():
    before = viewers.owner_only
    viewers.owner_only = False
    yield
    viewers.owner_only = before
