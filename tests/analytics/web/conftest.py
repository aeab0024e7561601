"""A fresh analytics Store on SQLite per test and the in-process service on it (service.py)."""

from __future__ import annotations

import pytest

from .service import AnalyticsService


@pytest.fixture
def analytics(tmp_path):
    from campushub.analytics.store import Store

    store = Store(f"sqlite:///{tmp_path / 'analytics.sqlite'}")
    service = AnalyticsService(store)
    with service:
        yield service
    store.close()
