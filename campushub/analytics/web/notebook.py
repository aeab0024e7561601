"""GET {prefix}courses/{course}/notebooks/{path}: for the course's tutors,
one course notebook cell by cell, in the order most learners' copies have:
executions per cell, the funnel (learners who reached each cell), the error
rate per cell, and the median time learners spent in it."""

from __future__ import annotations

from tornado import web

from ...i18n import N_
from .base import BaseHandler
from .charts import bars
from .svg import nice_top
from .tables import Table, percent

NOT_RECORDED = N_("No executions of notebook {notebook} in course {course} have been recorded.")
NO_CELLS = N_("No cells recorded yet.")


def cells_table(stats: dict) -> Table:
    return Table("cells", N_("Cells"), [
        ("position", N_("Position")), ("cell", N_("Cell id")), ("executions", N_("Executions")),
        ("learners", N_("Learners who ran it")), ("reached", N_("Learners who reached it")),
        ("errors", N_("Errors")), ("error_rate", N_("Error rate"))],
        stats["cells"], formats={"error_rate": percent})


def charts(_, stats: dict) -> list:
    cells = stats["cells"]

    def items(key, show=str):
        return [(str(c["position"]), _("Cell {position} ({cell}): {value}", position=c["position"], cell=c["cell"],
                                         value=show(c[key])), c[key] or 0) for c in cells]

    cell_axis, empty = _("Cell (position in the notebook)"), _(NO_CELLS)
    return [
        bars(_("Executions per cell"), cell_axis, _("Executions"), items("executions"), empty=empty),
        bars(_("Learners who reached each cell"), cell_axis, _("Learners"), items("reached"), empty=empty,
             top=nice_top(stats["learners"])),
        bars(_("Error rate per cell"), cell_axis, _("Share of executions that failed"),
             items("error_rate", percent), empty=empty, top=1.0, y_format=lambda v: f"{v * 100:.0f}%"),
    ]


class NotebookHandler(BaseHandler):
    @web.authenticated
    async def get(self, course: str, notebook: str):
        self.tutor_course(course)
        # the course's learners only: its tutors and admins trying the notebook are not learners
        stats = await self.off_loop(self.store.notebook_stats, course, notebook, await self.learners(course))
        if not stats["cells"] and not stats["learners"]:
            self.fail(404, NOT_RECORDED, notebook=notebook, course=course)
        median = stats.get("median_time_s")
        self.show("notebook.html", [cells_table(stats)], f"{course}-{notebook}", course=course, notebook=notebook,
                  learners=stats["learners"], median_min=None if median is None else median / 60,
                  charts=charts(self._, stats))


ROUTES = [(r"courses/([^/]+)/notebooks/(.+)", NotebookHandler)]
