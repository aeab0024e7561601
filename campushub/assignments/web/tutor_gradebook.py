"""The tutor's view of one assignment: every learner of the course (those
who never submitted included) against their latest version, with filters.

One Store.gradebook call fetches every row (a constant number of queries
whatever the number of learners); filtering and counting happen here, so the
page stays fast at 500 learners x 10 assignments."""

from __future__ import annotations

from collections import Counter

from ...i18n import N_
from . import status_labels
from .tutor_access import TutorPage, points, when

BAD_FILTER = N_("Unknown filter \"{filter}\": use needs-grading, resubmission or late.")
FILTERS = {
    "needs-grading": lambda row: bool(row.get("needs_grading")),
    "resubmission": lambda row: bool(row.get("resubmission_requested")),
    "late": lambda row: bool(row.get("late")),
}
FILTER_LABELS = {"": N_("All"), "needs-grading": N_("Needs grading"), "resubmission": N_("Resubmission requested"),
                 "late": N_("Late")}


def summarise(rows: list[dict]) -> dict:
    """Counts per status (None = not submitted) and per filter, over all rows."""
    return {
        "all": len(rows),
        "status": Counter(row.get("status") for row in rows),
        "filters": {name: sum(1 for row in rows if keep(row)) for name, keep in FILTERS.items()},
    }


def select(rows: list[dict], name: str) -> list[dict]:
    return [row for row in rows if FILTERS[name](row)] if name else list(rows)


async def render_gradebook(page: TutorPage, course: str, assignment: dict) -> None:
    """Render the gradebook for ``assignment``. The caller has checked the
    tutor role: web/learner.py's AssignmentHandler serves the shared address
    and calls this for tutors."""
    chosen = page.get_argument("filter", "")
    if chosen not in FILTERS and chosen != "":
        page.fail(400, BAD_FILTER, filter=chosen[:40])
    rows = await page.off_loop(page.store.gradebook, assignment["id"], await page.learners(course))
    counts = summarise(rows)
    shown = select(rows, chosen)
    page.render(
        "gradebook.html", course=course, assignment=assignment, rows=shown, counts=counts, chosen=chosen,
        filters=[(key, page._(text), counts["filters"].get(key, counts["all"])) for key, text in FILTER_LABELS.items()],
        status_counts=[(page._(status_labels.LABELS[s]), status_labels.BADGES[s], counts["status"][s])
                       for s in status_labels.LABELS if counts["status"][s]],
        label=lambda status: status_labels.label(page._, status), badge=status_labels.BADGES.get,
        base_url=page.assignment_url(course, assignment["name"]),
        version_url=lambda learner, number: page.version_url(course, assignment["name"], learner, number),
        csv_url=f"{page.prefix}course/{course}/grades.csv", points=points, when=when,
    )

