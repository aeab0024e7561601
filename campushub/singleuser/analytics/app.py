"""The extension itself: wires the recorder into the server's kernel
websockets at load, starts sending once the server's IOLoop runs, and
sends what is left when the server stops."""

import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado.ioloop import IOLoop, PeriodicCallback

from . import records, server_side
from .connection import recording
from .courses import folders, sync_status
from .notebooks import NotebookWatch
from .recorder import Recorder
from .sender import Sender
from .spool import Spool, default_dir

SYNC_SENT = "sync-sent"  # the time of the last course sync already recorded


def flush_seconds() -> float:
    try:
        return max(float(os.environ.get("CAMPUSHUB_ANALYTICS_FLUSH_S") or 5), 0.1)
    except ValueError:
        return 5.0


class AnalyticsApp(ExtensionApp):
    name = "campushub_analytics"
    recorder = None

    def initialize_settings(self):
        url = os.environ.get("CAMPUSHUB_ANALYTICS_URL")
        if not url:
            self.log.info("campushub_analytics: CAMPUSHUB_ANALYTICS_URL is not set, so nothing is recorded")
            return
        # ExtensionApp copies the server's settings into self.settings and
        # writes them all back after this method: a change goes there
        base = self.settings.get("kernel_websocket_connection_class")
        watched = isinstance(base, type) and issubclass(base, ZMQChannelsWebsocketConnection)
        home = os.path.expanduser("~")
        courses = folders()
        self.spool = Spool(default_dir())
        recorder = Recorder(self.spool, courses, home, self.serverapp.root_dir, self.log)
        if not server_side.watch(recorder, lambda: self.serverapp.web_app.settings["file_id_manager"], self.log) \
                and not watched:
            self.log.warning("campushub_analytics: kernels are reached through %s, which this extension cannot "
                             "watch; nothing is recorded", getattr(base, "__name__", base))
            return
        self.recorder = recorder
        self.notebooks = NotebookWatch(self.spool, home, courses)
        self.sender = Sender(self.spool, url if url.endswith("/") else url + "/",
                             os.environ.get("JUPYTERHUB_API_TOKEN", ""), self.log)
        if watched:
            self.settings["kernel_websocket_connection_class"] = recording(base, self.recorder, self._path_needed)
        self._busy = False
        self._timer = None

    async def _start_jupyter_server_extension(self, serverapp):
        if self.recorder is None:
            return
        self.spool.open()
        self._record_sync(Path(os.path.expanduser("~")))
        self._timer = PeriodicCallback(self.tick, flush_seconds() * 1000)
        self._timer.start()
        IOLoop.current().add_callback(self.tick)  # what an earlier server left

    def _record_sync(self, home: Path) -> None:
        found = sync_status(home)
        marker = self.spool.folder / SYNC_SENT
        try:
            already = marker.read_text(encoding="utf-8")
        except OSError:
            already = None
        if found is None or found[0] == already:
            return
        text, when, courses = found
        for course, status in sorted(courses.items()):
            self.spool.append(records.sync(when, course, status))
        marker.write_text(text, encoding="utf-8")

    def _path_needed(self) -> None:
        IOLoop.current().add_callback(self._refresh)

    async def _refresh(self) -> None:
        try:
            await self.recorder.refresh(self.serverapp.session_manager)
        except Exception as e:
            self.log.warning("campushub_analytics: could not read the sessions: %r", e)

    async def tick(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            await self._refresh()
            await self.notebooks.check(self.recorder.course_notebooks)
            await self.sender.send_all()
        except Exception as e:
            self.log.warning("campushub_analytics: records not sent this time: %r", e)
        finally:
            self._busy = False

    async def stop_extension(self):
        if self.recorder is None or self._timer is None:
            return
        self._timer.stop()
        self.sender.timeout = 3  # the server is stopping: what is not sent now is sent at the next start
        await self.tick()
        self.spool.close()
