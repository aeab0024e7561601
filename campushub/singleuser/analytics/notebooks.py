"""A course notebook's cell ids in file order, sent when the extension first
sees it run and again after it was saved with other cells. The service
orders a course notebook's cells from what most learners have, so cells a
learner added do not distort it."""

import asyncio
import time
from pathlib import Path

from . import records
from .courses import cell_ids, course_of


class NotebookWatch:
    def __init__(self, spool, home: str, courses: list[tuple[str, str]]):
        self.spool, self.home, self.courses = spool, Path(home), courses
        self.seen = {}  # path -> (mtime, cells last sent)

    async def check(self, paths: set[str]) -> None:
        loop = asyncio.get_running_loop()
        for path in sorted(paths):
            course, notebook = course_of(path, self.courses)
            try:
                mtime = (self.home / path).stat().st_mtime_ns
            except OSError:
                continue
            last = self.seen.get(path)
            if course is None or (last and last[0] == mtime):
                continue
            # off the IOLoop: a notebook saved with its outputs can be large
            cells = await loop.run_in_executor(None, cell_ids, self.home / path)
            if cells is not None and (last is None or last[1] != cells):
                self.spool.append(records.notebook(time.time(), course, notebook, cells))
            self.seen[path] = (mtime, cells)
