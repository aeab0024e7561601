"""Platform series from polls: active users per day and hour, servers, and
spawn counts and quantiles from the hub's histogram deltas (with a hub
restart in between), estimated as Prometheus' histogram_quantile does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from campushub.analytics.store.platform import MAX_POINTS
from campushub.analytics.store.quantile import histogram_quantile

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
LE = ("0.5", "1.0", "2.5", "5.0", "+Inf")


def buckets(*counts):
    return dict(zip(LE, map(float, counts), strict=True))


def test_histogram_quantile_matches_prometheus():
    # prometheus/promql/testdata/histograms.test, series "positive": 0.15 and 0.72
    positive = {"0.1": 50, "0.2": 70, "1": 110, "+Inf": 120}
    assert histogram_quantile(0.5, positive) == pytest.approx(0.15)
    assert histogram_quantile(0.8, positive) == pytest.approx(0.72)
    assert histogram_quantile(0.99, positive) == 1.0  # in the +Inf bucket: the highest finite bound
    assert histogram_quantile(0.5, {"1": 0, "+Inf": 0}) is None
    assert histogram_quantile(0.5, {"1": 3}) is None  # no +Inf bucket


def test_platform_series(store):
    day1 = NOW - timedelta(days=1)
    store.record_poll(day1 - timedelta(hours=2), ["ann", "bob"], 2, 0, buckets(0, 0, 0, 0, 0))
    store.record_poll(day1, ["ann"], 1, 1, buckets(1, 3, 4, 4, 4))  # 4 spawns
    store.record_poll(day1 + timedelta(minutes=5), ["ann"], 1, 0, None)  # hub metrics unreadable
    store.record_poll(NOW - timedelta(hours=1), ["cid"], 3, 0, buckets(0, 1, 1, 1, 1))  # hub restarted: 1 spawn
    store.record_poll(NOW - timedelta(minutes=50), ["cid", "dee"], 3, 2, buckets(0, 1, 2, 2, 2))  # 1 more
    store.record_poll(NOW - timedelta(minutes=40), ["dee"], 4, 0, buckets(0, 1, 2, 2, 2))  # none
    series = store.platform(3, now=NOW)
    assert series["daily_active"] == [(date(2026, 11, 29), 0), (date(2026, 11, 30), 2), (date(2026, 12, 1), 2)]
    hourly = dict(series["hourly_active"])
    assert len(series["hourly_active"]) == 48 and series["hourly_active"][-1][0] == datetime(2026, 12, 1, 10,
                                                                                             tzinfo=UTC)
    assert hourly[datetime(2026, 11, 30, 8, tzinfo=UTC)] == 2
    assert hourly[datetime(2026, 11, 30, 10, tzinfo=UTC)] == 1
    assert hourly[datetime(2026, 12, 1, 9, tzinfo=UTC)] == 2  # cid and dee, dee counted once
    assert sum(hourly.values()) == 5
    assert [s[1:] for s in series["servers"]] == [(2, 0), (1, 1), (1, 0), (3, 0), (3, 2), (4, 0)]
    assert series["servers"][0][0] == day1 - timedelta(hours=2)
    spawns = {day: rest for day, *rest in series["spawns"]}
    assert spawns[date(2026, 11, 29)] == [0, None, None]
    count, p50, p95 = spawns[date(2026, 11, 30)]
    assert count == 4 and p50 == pytest.approx(0.75) and p95 == pytest.approx(2.2)
    count, p50, p95 = spawns[date(2026, 12, 1)]
    assert count == 2 and p50 == pytest.approx(1.0) and p95 == pytest.approx(2.35)
    assert [d for d, *_ in store.platform(1, now=NOW)["spawns"]] == [date(2026, 12, 1)]


def test_long_server_series_keeps_peaks(store):
    start = NOW - timedelta(days=2)
    for n in range(MAX_POINTS * 2 + 10):
        store.record_poll(start + timedelta(minutes=n), [], 50 if n == 333 else 1, 0, None)
    servers = store.platform(3, now=NOW)["servers"]
    assert len(servers) <= MAX_POINTS and max(s[1] for s in servers) == 50
