"""What the tutor page tests share: the course's people as the hub would
list them, a world with ps1 released, submissions, and readers for pages."""

from __future__ import annotations

import re
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser

import nbformat

from campushub.assignments.format.merge import merge_submission
from campushub.assignments.store import Store

from .tutor_service import HubPeople, Service

TUTOR, LEARNERS = "tina", ["ann", "bob", "cid", "=2+3"]
EVIL = '<b>shown</b><script>window.parent.PWNED_BY_LEARNER = document.cookie</script>'
MANUAL = {"explain": 2.0, "fizz": 1.0, "plot_task": 2.0}


def hub_people() -> HubPeople:
    users = {TUTOR: {"name": TUTOR, "admin": False, "groups": ["c1-tutors"]},
             "root": {"name": "root", "admin": True, "groups": []},
             **{n: {"name": n, "admin": False, "groups": ["c1-learners"]} for n in LEARNERS}}
    return HubPeople(users, {"c1-learners": list(LEARNERS), "c1-tutors": [TUTOR]})


def answer(release, text: str | None = None) -> dict[str, bytes]:
    """The student version, with the `squares` answer replaced when ``text`` is given."""
    files = {p: release.student[p] for p in ("problem1.ipynb", "problem2.ipynb")}
    if text is not None:
        nb = nbformat.reads(files["problem1.ipynb"].decode(), as_version=4)
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "squares")
        cell.source = text
        files["problem1.ipynb"] = nbformat.writes(nb).encode()
    return files


def autograde(store, source) -> None:
    """What the grader stores (grading/ is tested on its own): the merged
    notebooks with an output of the learner's holding script, full test points."""
    while (job := store.claim_job("test")) is not None:
        executed, scores = {}, []
        for path, raw in store.version_files(job["version_id"]).items():
            nb = merge_submission(nbformat.reads(source.notebooks[path].decode(), as_version=4),
                                  nbformat.reads(raw.decode(), as_version=4))
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("solution"):
                    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": EVIL})]
                if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                    scores.append({"notebook": path, "grade_id": meta["grade_id"], "kind": "tests",
                                   "max_points": meta["points"], "auto_points": meta["points"], "passed": True})
            executed[path] = nbformat.writes(nb).encode()
        store.finish_job(job["id"], scores=scores, executed=executed, error=None)


def one_line(r) -> str:
    found = re.search(r'id="error-message">(.*?)</div>', r.text, re.S)
    assert found, r.text[:500]
    text = unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    assert "\n" not in text and "Traceback" not in r.text
    return text


class Page(HTMLParser):
    """Rows of the gradebook, live scripts, iframes and forms of a page."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.scripts, self.frames, self.inputs = {}, [], [], []
        self._row = self._script = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-learner" in attrs:
            self._row = self.rows.setdefault(attrs["data-learner"], [])
        elif tag == "script":
            self._script = attrs.get("src") or ""
            self.scripts.append(self._script)
        elif tag == "iframe":
            self.frames.append(attrs)
        elif tag in ("input", "textarea"):
            self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._row is not None and data.strip():
            self._row.append(data.strip())
        if self._script is not None:
            self.scripts[-1] += data




@contextmanager
def tutor_world(tmp_path, ps1_source, ps1_release):
    """(service, store, ps1's dict, source, release) with ps1 released in course c1."""
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    a = store.create_assignment("c1", "ps1", title="Problem set 1", due=None, source=ps1_source,
                                release=ps1_release, by="tina", released=True)
    try:
        with Service(store, hub_people()) as service:
            yield service, store, a, ps1_source, ps1_release
    finally:
        store.close()
