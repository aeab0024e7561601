"""GET course/{course}/grades.csv: the course's grades for tutors, one row
per learner and assignment (csv_rows.py), from one Store.export_rows call."""

from __future__ import annotations

from tornado import web

from .csv_rows import csv_text
from .tutor_access import TutorPage


class GradesCsvHandler(TutorPage):
    @web.authenticated
    async def get(self, course: str):
        self.tutor_course(course)
        text = csv_text(await self.off_loop(self.store.export_rows, course, await self.learners(course)))
        # Excel reads a CSV without a byte order mark in the machine's legacy
        # code page (Shift_JIS in Japan), garbling names: ?excel=1 adds one.
        if self.get_argument("excel", "") == "1":
            text = "\ufeff" + text
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{course}-grades.csv"')
        self.set_header("Cache-Control", "no-store")
        self.finish(text.encode("utf-8"))
