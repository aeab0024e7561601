"""A tiny stand-in for the analytics service's `api/records`, so the extension really sends.

    python -m benchmarks.analytics.receiver PORT

Run as its own process (not in the timing client's event loop, whose
latencies it would disturb). It answers what the service answers (200
{"accepted": n, "duplicates": 0}) without storing anything, and counts the
records by the sending server's token and by kind; GET `counts` returns them.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tornado.web import Application, RequestHandler

PREFIX = "/services/analytics/"


class Records(RequestHandler):
    def post(self):
        auth = self.request.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if auth.startswith(("token ", "Bearer ")) else None
        try:
            records = json.loads(self.request.body)["records"]
            kinds = [r["kind"] for r in records]
        except (ValueError, KeyError, TypeError):
            self.set_status(400)
            self.finish({"message": "Expected a JSON body {\"records\": [...]}, each record with a kind."})
            return
        if token is None:
            self.set_status(403)
            self.finish({"message": "No token: send Authorization: token X."})
            return
        seen = self.settings["counts"].setdefault(token[-8:], {"batches": 0, "kinds": {}})
        seen["batches"] += 1
        for kind in kinds:
            seen["kinds"][kind] = seen["kinds"].get(kind, 0) + 1
        self.finish({"accepted": len(records), "duplicates": 0})


class Counts(RequestHandler):
    def get(self):
        self.finish(self.settings["counts"])


async def serve(port: int) -> None:
    app = Application([(PREFIX + "api/records", Records), (PREFIX + "counts", Counts)], counts={})
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
