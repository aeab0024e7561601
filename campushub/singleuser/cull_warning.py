"""How long until the hub's culler stops this server, for the warning a
learner with a notebook open sees before it happens (JupyterLab plugin
labextension/src/cull_warning.js).

Installed into every user environment as the server extension
`campushub_cull_warning` (singleuser/files.py); it imports nothing of
CampusHub. The hub tells it, at spawn, the limits the culler applies to
this person's server and the texts in their language (CAMPUSHUB_CULL, from
hub/cull_env.py); without that variable the server is never culled and the
extension does nothing.

What counts as activity: the culler sees what this server reports to the
hub (jupyter_server's last_activity: API requests, kernel and terminal
traffic). JupyterLab polls the API every few seconds while a tab is open,
so an open tab alone would keep a server forever and the warning could
never come true. Reads (GET, HEAD, OPTIONS) therefore do not count here:
they lose no work when a server stops; nor do refused requests, which
changed nothing. Saving, running code, starting kernels and the warning's
"Keep working" do.
"""

import asyncio
import json
import os
from datetime import UTC, datetime

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import PeriodicCallback

READS = ("GET", "HEAD", "OPTIONS")
KEEP_SETTING = "campushub_keep_last_activity"  # ServerApp.last_activity() counts *_last_activity settings
_tasks = set()  # the hub notifications under way (asyncio keeps only weak references)


def limits():
    try:
        found = json.loads(os.environ.get("CAMPUSHUB_CULL") or "null")
    except ValueError:
        return None
    return found if isinstance(found, dict) and found.get("timeout") else None


def seconds_left(web_app, cull, now=None):
    """(seconds, why) until the culler may stop this server: the earliest of
    its idle timeout and its max_age; why is "idle" or "max_age"."""
    now = now or datetime.now(UTC)
    idle = (now - web_app.last_activity()).total_seconds()
    left, why = cull["timeout"] - idle, "idle"
    if cull.get("max_age"):
        age_left = cull["max_age"] - (now - web_app.settings["started"]).total_seconds()
        if age_left < left:
            left, why = age_left, "max_age"
    return max(0, int(left)), why


class StatusHandler(APIHandler):
    # The page asks every minute: asking is not using the server.
    _track_activity = False

    @web.authenticated
    def get(self):
        cull = limits()
        if cull is None:
            self.finish({"seconds_left": None})
            return
        left, why = seconds_left(self.application, cull)
        self.finish({"seconds_left": left, "reason": why, "warning": cull.get("warning", 0)})


class KeepHandler(APIHandler):
    @web.authenticated
    def post(self):
        self.settings[KEEP_SETTING] = datetime.now(UTC)
        self.settings["campushub_hub_report"].send()
        cull = limits()
        left = seconds_left(self.application, cull)[0] if cull else None
        self.finish({"seconds_left": left})


class HubReport:
    """JupyterHub's singleuser extension tells the hub of this server's
    activity only every JUPYTERHUB_ACTIVITY_INTERVAL (up to 5 minutes), so
    the culler may act on an old time: a cell run or a click on "Keep
    working" shortly before the cull would not save the server. Near the
    cull, activity the hub has not heard of yet is sent at once."""

    every = 5  # seconds between looks; the look itself is a comparison of two times

    def __init__(self, serverapp, cull: dict):
        self.serverapp, self.cull = serverapp, cull

    def reporters(self):
        found = self.serverapp.extension_manager.extension_apps.values()
        return [app for apps in found for app in apps if hasattr(app, "notify_activity")]

    def send(self):
        for app in self.reporters():
            task = asyncio.ensure_future(app.notify_activity())
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

    def look(self):
        web_app = self.serverapp.web_app
        last, now = web_app.last_activity(), datetime.now(UTC)
        for app in self.reporters():
            # what the hub knows (the singleuser extension's record of its last report)
            sent = getattr(app, "_last_activity_sent", None) or web_app.settings["started"]
            if last > sent and (now - sent).total_seconds() >= self.cull["timeout"] - self.cull["warning"]:
                self.send()
                return

    def start(self):
        PeriodicCallback(self.look, self.every * 1000).start()


def reads_are_not_activity():
    """APIHandler.update_api_activity, jupyter_server's own hook for what
    counts, skipping reads (the module docstring says why)."""
    original = APIHandler.update_api_activity
    if getattr(original, "campushub", False):
        return

    def update_api_activity(self):
        # a refused request (e.g. a cross-site POST without the XSRF token) changed nothing: not activity either
        if self.request.method not in READS and self.get_status() < 400:
            original(self)

    update_api_activity.campushub = True
    APIHandler.update_api_activity = update_api_activity


def _jupyter_server_extension_points():
    return [{"module": "campushub_cull_warning"}]


def _load_jupyter_server_extension(serverapp):
    cull = limits()
    if cull is None:
        return
    reads_are_not_activity()
    web_app = serverapp.web_app
    report = HubReport(serverapp, cull)
    report.start()
    web_app.settings["campushub_hub_report"] = report
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, "campushub/culling"), StatusHandler),
                                 (url_path_join(base, "campushub/culling/keep"), KeepHandler)])
    web_app.settings.setdefault("page_config_data", {})["campushubCulling"] = json.dumps(cull.get("texts", {}))
