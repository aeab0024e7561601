"""What the analytics pages must show, derived from the runs a test made
(e2e_site.Run), by the rules the issue states: executions per cell, the
learners who ran it, the learners who reached it (ran it or a later cell:
the funnel), errors and the error rate; per course, each notebook's totals
and each learner's progress. Rows are as the CSV writes them (text)."""

from __future__ import annotations

from .e2e_site import cell_ids


def percent(errors: int, executions: int) -> str:
    return f"{(errors / executions if executions else 0.0) * 100:.1f}%"


def notebook_cells(runs, course: str, name: str, notebook: str) -> list[list[str]]:
    """position, cell, executions, learners, reached, errors, error_rate: one row per cell in file order."""
    order = cell_ids(course, name)
    mine = [r for r in runs if r.course == course and r.notebook == notebook]
    furthest = {}
    for r in mine:
        furthest[r.learner] = max(furthest.get(r.learner, 0), order.index(r.cell) + 1)
    rows = []
    for position, cell in enumerate(order, 1):
        here = [r for r in mine if r.cell == cell]
        errors = sum(r.status == "error" for r in here)
        rows.append([str(position), cell, str(len(here)), str(len({r.learner for r in here})),
                     str(sum(f >= position for f in furthest.values())), str(errors), percent(errors, len(here))])
    return rows


def course_notebooks(runs, course: str, notebooks: dict[str, str]) -> list[list[str]]:
    """notebook, cells, learners, executions, errors (the last execution's time is left out)."""
    rows = []
    for notebook, name in sorted(notebooks.items()):
        mine = [r for r in runs if r.course == course and r.notebook == notebook]
        if not mine:
            continue  # a notebook nobody ran was never reported
        rows.append([notebook, str(len(cell_ids(course, name))), str(len({r.learner for r in mine})),
                     str(len(mine)), str(sum(r.status == "error" for r in mine))])
    return rows


def course_progress(runs, course: str, learners, notebooks: dict[str, str]) -> list[list[str]]:
    """learner, notebook, cells_run, cells_total, for each learner and each notebook two or more of the
    learners ran; a notebook only one of them ran is that learner's row only."""
    ran = {}
    for r in runs:
        if r.course == course and r.learner in learners:
            ran.setdefault(r.notebook, set()).add(r.learner)
    return [[learner, notebook, str(len({r.cell for r in runs if (r.learner, r.course, r.notebook) ==
                                         (learner, course, notebook)})),
             str(len(cell_ids(course, notebooks[notebook])))]
            for learner in sorted(learners) for notebook in sorted(ran)
            if len(ran[notebook]) > 1 or learner in ran[notebook]]


def learner_notebooks(runs, learner: str, courses: set[str] | None) -> list[list[str]]:
    """path, course, notebook, executions, errors, sorted by path (the page sorts by time)."""
    found = {}
    for r in runs:
        if r.learner == learner and (courses is None or r.course in courses):
            key = (f"{r.course}/{r.notebook}", r.course, r.notebook)
            executions, errors = found.get(key, (0, 0))
            found[key] = (executions + 1, errors + (r.status == "error"))
    return sorted([*key, str(e), str(x)] for key, (e, x) in found.items())
