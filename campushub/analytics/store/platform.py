"""The platform page's series, from the service's polls of the hub: active
users per day and per hour, servers running and pending, and spawn durations
from the hub's jupyterhub_server_spawn_duration_seconds histogram.

The histogram is cumulative since the hub started, so each poll stores how
much it grew (spawn_deltas) and keeps the totals to take the next delta
from; totals that fell mean the hub restarted, and the new totals are all
new spawns. A database's first poll counts everything the hub has so far:
the service normally starts with the hub, so these are today's spawns.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from ...webservice.db import utc
from .ingest import insert_new
from .models import Activity, Poll, SpawnDelta, SpawnTotal
from .quantile import histogram_quantile

INF = "+Inf"
HOURS = 48
MAX_POINTS = 500  # servers series longer than this are reduced to peaks per interval
A, P, D, T = Activity.__table__, Poll.__table__, SpawnDelta.__table__, SpawnTotal.__table__


def hour_of(time: datetime) -> datetime:
    return utc(time).replace(minute=0, second=0, microsecond=0)


def record_poll(connection: Connection, time: datetime, active_users: list[str], running: int, pending: int,
                spawn_buckets: dict[str, float] | None) -> None:
    time, hour = utc(time), hour_of(time)
    connection.execute(P.insert().values(time=time, running=running, pending=pending))
    insert_new(connection, A, [{"user": user, "hour": hour, "day": hour.date()} for user in sorted(set(active_users))],
               ["user", "hour"])
    if spawn_buckets is None:
        return  # the hub's metrics could not be read this time: the next poll's delta covers both
    before = dict(connection.execute(select(T.c.le, T.c.count)).all())
    delta = {le: count - before.get(le, 0.0) for le, count in spawn_buckets.items()}
    if spawn_buckets.get(INF, 0.0) < before.get(INF, 0.0) or min(delta.values(), default=0.0) < 0:
        delta = dict(spawn_buckets)  # the hub restarted: its counters began again at 0
    if delta.get(INF, 0.0) > 0:
        connection.execute(D.insert(), [{"time": time, "day": time.date(), "le": le, "count": count}
                                        for le, count in sorted(delta.items())])
    connection.execute(delete(T))
    if spawn_buckets:
        connection.execute(T.insert(), [{"le": le, "count": count} for le, count in spawn_buckets.items()])


def platform(connection: Connection, days: int, now: datetime) -> dict:
    first_day = now.date() - timedelta(days=days - 1)
    all_days = [first_day + timedelta(days=n) for n in range(days)]
    daily = dict(connection.execute(select(A.c.day, func.count(A.c.user.distinct()))
                                    .where(A.c.day >= first_day).group_by(A.c.day)).all())
    first_hour = hour_of(now) - timedelta(hours=HOURS - 1)
    hourly = {utc(hour): n for hour, n in connection.execute(
        select(A.c.hour, func.count()).where(A.c.hour >= first_hour).group_by(A.c.hour))}
    servers = [(utc(time), running, pending) for time, running, pending in connection.execute(
        select(P.c.time, P.c.running, P.c.pending)
        .where(P.c.time >= utc(now) - timedelta(days=days)).order_by(P.c.time, P.c.id))]
    buckets: dict = defaultdict(dict)
    for day, le, count in connection.execute(select(D.c.day, D.c.le, func.sum(D.c.count))
                                             .where(D.c.day >= first_day).group_by(D.c.day, D.c.le)):
        buckets[day][le] = count
    return {"daily_active": [(day, daily.get(day, 0)) for day in all_days],
            "hourly_active": [(hour, hourly.get(hour, 0)) for hour in
                              (first_hour + timedelta(hours=n) for n in range(HOURS))],
            "servers": peaks(servers),
            "spawns": [(day, round(buckets[day].get(INF, 0)), histogram_quantile(0.5, buckets[day]),
                        histogram_quantile(0.95, buckets[day])) for day in all_days]}


def peaks(series: list[tuple]) -> list[tuple]:
    """At most MAX_POINTS points: consecutive polls merged, keeping the first
    time and the highest running and pending, so a short peak still shows."""
    if len(series) <= MAX_POINTS:
        return series
    size = -(-len(series) // MAX_POINTS)
    return [(chunk[0][0], max(p[1] for p in chunk), max(p[2] for p in chunk))
            for chunk in (series[i:i + size] for i in range(0, len(series), size))]
