"""A fresh analytics Store on SQLite or on a real PostgreSQL
(tests/postgres.py), one database per test."""

from __future__ import annotations

import pytest

from ... import postgres


# PostgreSQL starts a server (tests/postgres.py): the stack tier, which
# tests/tiers.py cannot see through getfixturevalue.
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.stack)])
def store_url(request, tmp_path):
    return postgres.fresh_url(request.param, tmp_path, request, "analytics")


@pytest.fixture
def store(store_url):
    from campushub.analytics.store import Store

    s = Store(store_url)
    yield s
    s.close()
