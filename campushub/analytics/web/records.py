"""POST {prefix}api/records: a user's server sends its batch of records
(`Authorization: token $JUPYTERHUB_API_TOKEN`, {"records": [...]}). The
user is the token's: a server can only ever write its own user's records.
The whole batch is checked before anything is stored (analytics/records.py),
and a record id seen before for the user counts as a duplicate, so a batch
sent again after a crash stores nothing twice.

The course a record names is the sender's word, so it counts only for a
course the user learns or tutors: otherwise anyone could fill another
course's pages, and invented names would become metric labels. Such an
execution is kept as a personal one; notebook and sync records are ignored."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime

from tornado import web
from tornado.ioloop import IOLoop

from ...i18n import N_
from ..records import RecordError, not_ahead, validate
from .base import BaseHandler
from .budget import Budget

TOKEN_ONLY = N_("Send records with your server's token (Authorization: token ...), not from a browser.")
# Course notebooks one user's records may add to a course: a course has a few dozen, and each one adds a
# row per learner to the course page's progress table.
MAX_NOTEBOOKS = 200
SLOW_DOWN = N_("This server has sent too many records just now; they wait in its spool and go later.")
NOT_JSON = N_("The body must be a JSON object {\"records\": [...]} in UTF-8.")


class RecordsHandler(BaseHandler):
    json_errors = True
    needs_roles = False

    @web.authenticated
    async def post(self):
        user = self.user_name
        if not user or not getattr(self, "_token_authenticated", False):
            self.fail(403, TOKEN_ONLY)
        wait = self.application.settings.setdefault("record_budget", Budget()).take(user, len(self.request.body))
        if wait:  # a flood from one user must not fill the service's disk
            self.set_header("Retry-After", str(math.ceil(wait)))  # not self.fail: send_error drops headers
            self.write_json({"message": self._(SLOW_DOWN)}, status=429)
            return
        try:
            body = json.loads(self.request.body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            self.fail(400, NOT_JSON)
        if not isinstance(body, dict):
            self.fail(400, NOT_JSON)
        records = validate(body.get("records"))
        not_ahead(records, datetime.now(UTC))  # a record from the future would outlive retention_days
        records, ignored = await self.own_courses(user, records)
        # off the loop: the commit waits for the disk, and every page and batch shares this one thread
        accepted, duplicates = (await IOLoop.current().run_in_executor(None, self.store.ingest, user, records)
                                if records else (0, 0))
        reply = {"accepted": accepted, "duplicates": duplicates}
        self.write_json({**reply, "ignored": ignored} if ignored else reply)

    async def own_courses(self, user: str, records: list[dict]) -> tuple[list[dict], int]:
        """``records`` with courses the user has no role in, or notebooks past MAX_NOTEBOOKS, taken out;
        how many were dropped whole."""
        if any(r.get("course") for r in records):
            await self.people.refresh(user)  # once per batch (cached), not per record
        known = await self.off_loop(self.store.notebooks_of, user) if any(r.get("notebook") for r in records) else set()
        per_course = Counter(course for course, _ in known)
        kept = []
        for record in records:
            course, notebook = record.get("course"), record.get("notebook")
            if notebook and course and (course, notebook) not in known and per_course[course] < MAX_NOTEBOOKS:
                known.add((course, notebook))  # a new notebook of the course, within the cap
                per_course[course] += 1
            if course is None or (self.people.role(user, course) and (not notebook or (course, notebook) in known)):
                kept.append(record)
            elif record["kind"] == "execution":
                kept.append({**record, "course": None, "notebook": None})
        return kept, len(records) - len(kept)

    def refusal(self, error):
        if isinstance(error, RecordError):
            return 400, error.message, error.kwargs
        return super().refusal(error)


ROUTES = [(r"api/records", RecordsHandler)]
