"""GET {prefix}platform?days=N: for hub admins, who used the platform and
when (daily and hourly active users), servers running and starting over
time, and spawn durations (p50, p95) per day, from the hub polls."""

from __future__ import annotations

from tornado import web

from ...i18n import N_
from .base import BaseHandler
from .charts import lines
from .tables import Table

DAYS, MAX_DAYS = 30, 366
BAD_DAYS = N_("days must be a whole number from 1 to {most}.")
NO_POLLS = N_("No hub polls recorded in this period.")
NO_SPAWNS = N_("No server was started in this period.")


def tables(data: dict) -> list[Table]:
    def rows(key, names):
        return [dict(zip(names, values, strict=True)) for values in data[key]]

    return [
        Table("daily", N_("Daily active users"), [("day", N_("Day")), ("users", N_("Active users"))],
              rows("daily_active", ("day", "users"))),
        Table("hourly", N_("Hourly active users"), [("hour", N_("Hour")), ("users", N_("Active users"))],
              rows("hourly_active", ("hour", "users"))),
        Table("servers", N_("Servers"), [("time", N_("Time")), ("running", N_("Running")),
                                         ("pending", N_("Starting"))],
              rows("servers", ("time", "running", "pending"))),
        Table("spawns", N_("Spawn durations"), [("day", N_("Day")), ("spawns", N_("Spawns")),
                                                ("p50", N_("Median (s)")), ("p95", N_("95th percentile (s)"))],
              rows("spawns", ("day", "spawns", "p50", "p95"))),
    ]


def charts(_, data: dict) -> dict:
    """Each table's chart, by the table's name (the page shows the table folded under it)."""
    empty, polled = _(NO_POLLS), bool(data["servers"])

    def times(key):  # without a poll in the period, zero users would be a guess: the charts say so instead
        return [row[0] for row in data[key]] if polled else []

    def column(key, i):
        return [row[i] for row in data[key]]

    return {
        "daily": lines(_("Daily active users"), _("Day"), _("Users"), times("daily_active"),
                       [(_("Active users"), column("daily_active", 1))], empty=empty),
        "hourly": lines(_("Hourly active users"), _("Hour (UTC)"), _("Users"), times("hourly_active"),
                        [(_("Active users"), column("hourly_active", 1))], empty=empty),
        "servers": lines(_("Servers over time"), _("Time (UTC)"), _("Servers"), times("servers"),
                         [(_("Running"), column("servers", 1)), (_("Starting"), column("servers", 2))], empty=empty),
        "spawns": lines(_("Spawn duration per day"), _("Day"), _("Seconds"), times("spawns"),
                        [(_("Median"), column("spawns", 2)), (_("95th percentile"), column("spawns", 3))],
                        empty=_(NO_SPAWNS) if polled else empty),
    }


class PlatformHandler(BaseHandler):
    @web.authenticated
    async def get(self):
        self.require_admin()
        text = self.get_argument("days", str(DAYS)).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not 1 <= int(text) <= MAX_DAYS:
            self.fail(400, BAD_DAYS, most=MAX_DAYS)
        days = int(text)
        data = await self.off_loop(self.store.platform, days)
        self.show("platform.html", tables(data), "platform", days=days, charts=charts(self._, data),
                  csv_query=f"days={days}&")


ROUTES = [(r"platform/?", PlatformHandler)]
