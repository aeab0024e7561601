"""A tiny real HTTP receiver standing in for the analytics service's
POST api/records (the service itself is tested in tests/analytics/): it
checks each batch with the service's own validator (campushub.analytics.
records.validate), answers 400 with a one-line message for a bad batch and
stores nothing of it, and counts a record id seen before as a duplicate, as
the service does. It can be stopped and started again on the same port to
play an outage."""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

from campushub.analytics.records import RecordError, validate

from ..harness import free_port
from .fake_service import JSONHandler

PREFIX = "/services/analytics/"


class Receiver:
    def __init__(self, token: str):
        self.token, self.port = token, free_port()
        self.url = f"http://127.0.0.1:{self.port}{PREFIX}"
        self.records: dict[str, dict] = {}  # id -> record as sent
        self.bodies: list[bytes] = []
        self.refused: list[str] = []
        self.duplicates = 0
        self.redirect = False  # answer as a login redirect would, to a page that says 200
        self.redirected = 0
        self.lock = threading.Lock()
        self._server = None

    def start(self) -> None:
        receiver = self

        class Handler(JSONHandler):
            def do_GET(self):
                data = b"<html>please log in</html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.redirect:
                    receiver.redirected += 1
                    self.send_response(302)
                    self.send_header("Location", "/hub/login")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                token = self.headers.get("Authorization")
                if self.path != PREFIX + "api/records" or token != f"token {receiver.token}":
                    return self._answer(403, {"message": "wrong path or token"})
                with receiver.lock:
                    receiver.bodies.append(body)
                    try:
                        records = json.loads(body)["records"]
                        validate(records)
                    except (ValueError, KeyError, TypeError, RecordError) as e:
                        receiver.refused.append(str(e))
                        return self._answer(400, {"message": str(e)})
                    fresh = [r for r in records if r["id"] not in receiver.records]
                    receiver.duplicates += len(records) - len(fresh)
                    receiver.records.update((r["id"], r) for r in fresh)
                self._answer(200, {"accepted": len(fresh), "duplicates": len(records) - len(fresh)})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def of_kind(self, kind: str) -> list[dict]:
        with self.lock:
            return [r for r in self.records.values() if r["kind"] == kind]
