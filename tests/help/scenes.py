"""What the help portal's screenshots show, set up on the session's shared sites (tests/conftest.py) rather
than hubs of their own: course da101 of the course hub with a learner (hana, who may choose resources, so
she gets the spawn form) and a tutor (kenji), a released assignment and hana's answered, autograded
submission of it; a finished job of eve's on the jobs site; recorded cell runs on the analytics site."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from campushub.assignments.format.release import make_release
from campushub.assignments.format.source import load_source

from ..browser.test_assignments import CLAMP, EXPLAIN, FIZZ, MEAN, SQUARES
from ..conftest import FORM_GROUP, make_user
from ..harness import Browserless, add_people, wait_for

COURSE = "da101"
SERVICE = "/services/assignments/"
PS1 = Path(__file__).parents[1] / "assignments" / "fixtures" / "ps1"
ANSWERS = {"squares": SQUARES, "column_mean": MEAN, "clamp": CLAMP, "explain": EXPLAIN, "fizz": FIZZ}


def b64(files: dict[str, bytes]) -> dict[str, str]:
    return {p: base64.b64encode(d).decode("ascii") for p, d in files.items()}


def answered(student: bytes) -> bytes:
    """The student version of a notebook with the learner's answers in its solution cells."""
    nb = json.loads(student)
    for cell in nb["cells"]:
        answer = ANSWERS.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if answer is not None:
            cell["source"] = answer
    return json.dumps(nb).encode()


class Course:
    def __init__(self, hub):
        self.hub = hub
        admin = Browserless(hub, "admin", hub.admin_password)
        assert admin.login().status_code == 302
        self.learner, self.tutor = make_user(hub, admin, "hana"), make_user(hub, admin, "kenji")
        add_people(hub, {"hana": f"{COURSE}-learners", "kenji": f"{COURSE}-tutors"})
        add_people(hub, {"hana": FORM_GROUP})
        self.tokens = {name: hub.user_token(name) for name in ("hana", "kenji")}

    def call(self, who: str, method: str, path: str, **kwargs):
        return requests.request(method, f"{self.hub.url}{SERVICE}{path}", timeout=120,
                                headers={"Authorization": f"token {self.tokens[who]}"}, **kwargs)

    def prepare(self) -> int:
        """ps1 released (due in a week), hana's answers submitted and autograded: the number of her version."""
        source = load_source(PS1)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        r = self.call("kenji", "POST", f"api/course/{COURSE}/assignments", json={
            "name": "ps1", "title": "Problem set 1", "release": True, "due": (now + timedelta(weeks=1)).isoformat(),
            "files": b64({**source.notebooks, **source.files})})
        assert r.status_code == 201, r.text
        student = make_release(source).student
        files = {p: answered(student[p]) for p in ("problem1.ipynb", "problem2.ipynb")}
        r = self.call("hana", "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
        assert r.status_code == 201, r.text
        number = r.json()["number"]

        def graded():
            versions = self.call("hana", "GET", f"api/course/{COURSE}/a/ps1/versions").json()["versions"]
            status = versions[-1]["status"]
            assert status in ("submitted", "autograding", "autograded"), versions[-1]
            return status == "autograded"
        wait_for(graded, 300, "hana's ps1 to be autograded", interval=1)
        return number


def finished_job(site) -> str:
    """eve's job of a notebook with a parameter, ended: its id."""
    site.write_notebook("eve", "reports/weekly.ipynb", "week = 1", "print(f'report of week {week}')")
    r = site.submit("eve", {"notebook": "reports/weekly.ipynb", "parameters": ["week=48"]})
    assert r.status_code == 201, r.text
    job = r.json()["jobs"][0]["id"]
    assert site.ended("eve", [job])[job]["state"] == "succeeded"
    return job
