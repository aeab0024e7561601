"""The learner's side against the real thing: `campushub up` with a course
runs the assignments service; a tutor creates ps1 through its API; a
learner's real server (local spawner, own unix account) fetches it with the
extension, edits it through Jupyter's contents API and submits twice, all
with the server's own token; the service keeps two versions of exactly the
files on disk. Someone outside the course gets the service's refusal."""

from __future__ import annotations

import base64
import json
import pwd
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.spawner.unix_users import unix_name

from ..conftest import COURSE_PREFIX
from ..harness import Hub, add_people, wait_for

PS1 = Path(__file__).resolve().parents[1] / "assignments" / "fixtures" / "ps1"
COURSE = "stack1"  # of the course hub (tests/conftest.py), this module's own
PEOPLE = {"lia": "stack1-learners", "tom": "stack1-tutors", "oz": None}


@pytest.fixture(scope="module")
def site(course_hub):
    hub = course_hub
    add_people(hub, PEOPLE)
    tokens = {name: hub.user_token(name) for name in PEOPLE}
    files = {p.relative_to(PS1).as_posix(): base64.b64encode(p.read_bytes()).decode()
             for p in PS1.rglob("*") if p.is_file()}
    r = requests.post(f"{hub.url}/services/assignments/api/course/{COURSE}/assignments", timeout=120,
                      headers={"Authorization": f"token {tokens['tom']}"},
                      json={"name": "ps1", "title": "Problem set 1", "release": True, "files": files})
    assert r.status_code == 201, r.text
    yield hub, tokens
    for name in ("lia", "oz"):  # their servers, which nobody else stops before the course hub's `down`
        hub.api("DELETE", f"users/{name}/server")


def start(hub: Hub, user: str, token: str) -> str:
    r = requests.post(f"{hub.url}/hub/api/users/{user}/server", headers={"Authorization": f"token {token}"},
                      timeout=60)
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(user), 180, f"{user}'s server")
    return f"{hub.url}/user/{user}/"


def home(user: str) -> Path:
    return Path(pwd.getpwnam(unix_name(user, COURSE_PREFIX)).pw_dir)


def test_fetch_edit_submit_twice_from_the_learners_server(site):
    hub, tokens = site
    headers = {"Authorization": f"token {tokens['lia']}"}
    base = start(hub, "lia", tokens["lia"])
    r = requests.post(base + "campushub/assignments/fetch", json={"course": COURSE, "assignment": "ps1"},
                      headers=headers, timeout=120)
    assert r.status_code == 200, r.text
    assert set(r.json()["written"]) == {"problem1.ipynb", "problem2.ipynb", "data/numbers.csv"}, r.json()
    folder = home("lia") / "assignments" / COURSE / "ps1"
    student = (folder / "problem1.ipynb").read_text()
    assert "BEGIN SOLUTION" not in student and "BEGIN HIDDEN TESTS" not in student
    assert (folder / "problem1.ipynb").stat().st_uid == pwd.getpwnam(unix_name("lia", COURSE_PREFIX)).pw_uid

    contents = base + f"api/contents/assignments/{COURSE}/ps1/problem1.ipynb"
    numbers = []
    for attempt in ("first try", "second try"):
        model = requests.get(contents, headers=headers, timeout=60).json()
        model["content"]["cells"][0]["source"] += f"\n# {attempt}"
        r = requests.put(contents, headers=headers, timeout=60,
                         json={"type": "notebook", "format": "json", "content": model["content"]})
        assert r.status_code == 200, r.text
        r = requests.post(base + "campushub/assignments/submit",
                          json={"path": f"assignments/{COURSE}/ps1/problem1.ipynb"}, headers=headers, timeout=120)
        assert r.status_code == 200, r.text
        reply = r.json()
        assert str(reply["number"]) in reply["message"] and reply["sha256"][:12] in reply["message"], reply
        numbers.append(reply["number"])
    assert numbers == [1, 2]
    # what the service keeps is what is on the learner's disk
    versions = requests.get(f"{hub.url}/services/assignments/api/course/{COURSE}/a/ps1/versions", headers=headers,
                            timeout=60).json()["versions"]
    assert [v["number"] for v in versions] == [1, 2], versions
    # the same files again: no third version, and the learner is told so
    r = requests.post(base + "campushub/assignments/submit", json={"path": f"assignments/{COURSE}/ps1/problem2.ipynb"},
                      headers=headers, timeout=120)
    assert r.status_code == 200 and r.json()["number"] == 2, r.text
    # fetching again keeps the learner's edits
    edited = (folder / "problem1.ipynb").read_bytes()
    r = requests.post(base + "campushub/assignments/fetch", json={"course": COURSE, "assignment": "ps1"},
                      headers=headers, timeout=120)
    assert r.status_code == 200 and r.json()["written"] == [] and "problem1.ipynb" in r.json()["kept"], r.text
    assert (folder / "problem1.ipynb").read_bytes() == edited and b"second try" in edited
    assert json.loads(edited)["nbformat"] == 4


def test_someone_outside_the_course_gets_the_services_refusal(site):
    hub, tokens = site
    headers = {"Authorization": f"token {tokens['oz']}"}
    base = start(hub, "oz", tokens["oz"])
    r = requests.post(base + "campushub/assignments/fetch", json={"course": COURSE, "assignment": "ps1"},
                      headers=headers, timeout=120)
    assert r.status_code == 403 and COURSE in r.json()["message"], r.text
    assert not (home("oz") / "assignments" / COURSE).exists()
