"""A stand-in for the assignments service's JSON API (GET .../student, POST
.../submissions), for the fast tests of the server extension's own rules:
paths, links, sizes, XSRF and messages, which the real service cannot
influence. Everything that involves the service itself is tested against
the real one (tests/assignments/, and test_learner_stack.py here)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/services/assignments/"


class JSONHandler(BaseHTTPRequestHandler):
    """What stand-ins for our services share: JSON answers, a quiet log."""

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeService:
    def __init__(self):
        self.student: dict[tuple[str, str], dict[str, bytes]] = {}
        self.refuse: dict[tuple[str, str], tuple[int, dict]] = {}  # (course, name) -> status, body
        self.requests: list[dict] = []
        self.versions: dict[tuple[str, str], list[dict]] = {}
        self.notebooks: dict[tuple[str, str], list[str]] = {}  # what api/assignments lists
        fake = self

        class Handler(JSONHandler):
            def _route(self):
                parts = self.path.split("?")[0].removeprefix(PREFIX).split("/")
                if len(parts) == 6 and parts[:2] == ["api", "course"] and parts[3] == "a":
                    return parts[2], parts[4], parts[5]
                return None

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                route = self._route()
                if self.path == PREFIX + "api/assignments":
                    return self._answer(200, {"assignments": [{"course": c, "name": n, "notebooks": nbs}
                                                              for (c, n), nbs in fake.notebooks.items()]})
                fake.requests.append({"method": method, "path": self.path, "headers": dict(self.headers),
                                      "body": json.loads(body) if body else None})
                if route is None:
                    return self._answer(404, {"message": "There is no such page."})
                course, name, what = route
                if (course, name) in fake.refuse:
                    return self._answer(*fake.refuse[(course, name)])
                if method == "GET" and what == "student" and (course, name) in fake.student:
                    files = {p: base64.b64encode(d).decode() for p, d in fake.student[(course, name)].items()}
                    return self._answer(200, {"files": files})
                if method == "POST" and what == "submissions":
                    files = json.loads(body)["files"]
                    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
                    versions = fake.versions.setdefault((course, name), [])
                    versions.append({"files": {p: base64.b64decode(d) for p, d in files.items()}})
                    return self._answer(201, {"number": len(versions), "sha256": digest, "late": False,
                                              "status": "submitted",
                                              "message": f"Version {len(versions)} received ({digest[:8]})."})
                return self._answer(404, {"message": f"Course {course} has no assignment \"{name}\"."})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
