"""The assignments extension in a real Jupyter server: where fetch may
write, what submit may read, XSRF on its forms, one-line messages. The
service behind it is a stand-in (fake_service.py) because these rules are
the extension's own; the real service is in test_learner_stack.py."""

from __future__ import annotations

import base64
import json
import os
import re

import requests

from .conftest import API_TOKEN, SERVER_TOKEN

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def notebook(text: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5}).encode()


def test_fetch_writes_the_student_version_and_keeps_the_learners_files(server):
    server.service.student[("ml101", "ps1")] = {"ps1.ipynb": notebook("new"), "data/numbers.csv": b"1,2\n"}
    mine = server.home / "assignments" / "ml101" / "ps1" / "ps1.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(notebook("my answers"))
    r = server.post("fetch", {"course": "ml101", "assignment": "ps1"})
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["written"] == ["data/numbers.csv"] and reply["kept"] == ["ps1.ipynb"], reply
    assert "ps1.ipynb" in reply["message"] and reply["folder"] == "assignments/ml101/ps1"
    assert mine.read_bytes() == notebook("my answers")
    assert (mine.parent / "data" / "numbers.csv").read_bytes() == b"1,2\n"
    assert not [p for p in mine.parent.rglob(".*campushub*")], "a temporary file was left behind"
    call = server.service.requests[-1]
    assert call["method"] == "GET" and call["path"].endswith("/api/course/ml101/a/ps1/student")
    assert call["headers"]["Authorization"] == f"token {API_TOKEN}"


def test_fetch_never_writes_through_links(server, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim.ipynb").write_bytes(b"precious")
    server.service.student[("ml101", "linked")] = {"victim.ipynb": notebook("x"), "sub/new.ipynb": notebook("y")}
    server.service.student[("ml101", "ps2")] = {"ps2.ipynb": notebook("x"), "sub/a.ipynb": notebook("y")}
    # the assignment folder itself is a link
    (server.home / "assignments" / "ml101").mkdir(parents=True, exist_ok=True)
    os.symlink(elsewhere, server.home / "assignments" / "ml101" / "linked")
    r = server.post("fetch", {"course": "ml101", "assignment": "linked"})
    assert r.status_code == 409 and "linked" in r.json()["message"], r.text
    assert sorted(p.name for p in elsewhere.iterdir()) == ["victim.ipynb"]
    # a file and a sub-folder planted as links inside it
    folder = server.home / "assignments" / "ml101" / "ps2"
    folder.mkdir()
    os.symlink(elsewhere / "victim.ipynb", folder / "ps2.ipynb")
    os.symlink(elsewhere, folder / "sub")
    r = server.post("fetch", {"course": "ml101", "assignment": "ps2"})
    assert r.status_code == 409, r.text
    assert (elsewhere / "victim.ipynb").read_bytes() == b"precious"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["victim.ipynb"]


def test_fetch_refuses_names_that_leave_the_folder(server):
    before = sorted(str(p) for p in server.home.rglob("*"))
    for course, name in [("..", "ps1"), ("ml101", "../../x"), ("ml101", ".hidden"), ("ml/101", "ps1"), ("", "a")]:
        r = server.post("fetch", {"course": course, "assignment": name})
        assert r.status_code == 400 and "name" in r.json()["message"], (course, name, r.text)
    # the service itself naming a file outside the folder
    for bad in ("../escape.ipynb", "/etc/x", "a/../../b", ".git/config"):
        server.service.student[("ml101", "evil")] = {"ok.ipynb": NOTEBOOK, bad: b"x"}
        r = server.post("fetch", {"course": "ml101", "assignment": "evil"})
        assert r.status_code == 502 and "unsafe" in r.json()["message"], (bad, r.text)
    assert sorted(str(p) for p in server.home.rglob("*")) == before


def test_submit_sends_the_folders_notebooks_and_says_what_the_service_said(server, tmp_path):
    folder = server.home / "assignments" / "ml101" / "sub1"
    (folder / "part2").mkdir(parents=True)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / "a.ipynb").write_bytes(notebook("answer a"))
    (folder / "part2" / "b.ipynb").write_bytes(notebook("answer b"))
    (folder / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_bytes(NOTEBOOK)
    (folder / "notes.txt").write_text("not a notebook")
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(notebook("someone else's"))
    os.symlink(secret, folder / "linked.ipynb")
    r = server.post("submit", {"path": "assignments/ml101/sub1/part2/b.ipynb"})
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["number"] == 1 and reply["message"].startswith("Version 1 received"), reply
    sent = server.service.versions[("ml101", "sub1")][-1]["files"]
    assert sent == {"a.ipynb": notebook("answer a"), "part2/b.ipynb": notebook("answer b")}
    call = server.service.requests[-1]
    assert call["path"].endswith("/api/course/ml101/a/sub1/submissions")
    assert call["headers"]["Authorization"] == f"token {API_TOKEN}"
    # where the service lists the assignment's notebooks, the learner's scratch notebooks stay home
    (folder / "scratch.ipynb").write_bytes(notebook("my own notes"))
    server.service.notebooks[("ml101", "sub1")] = ["a.ipynb", "part2/b.ipynb", "missing.ipynb"]
    r = server.post("submit", {"path": "assignments/ml101/sub1/scratch.ipynb"})
    assert r.status_code == 200 and r.json()["number"] == 2, r.text
    assert server.service.versions[("ml101", "sub1")][-1]["files"] == sent


def test_submit_refuses_paths_outside_an_assignment(server):
    server.service.requests.clear()
    (server.home / "elsewhere").mkdir(exist_ok=True)
    (server.home / "elsewhere" / "x.ipynb").write_bytes(NOTEBOOK)
    for path in ["elsewhere/x.ipynb", "assignments/ml101", "assignments/ml101/sub1/../../../elsewhere/x.ipynb",
                 "../home/assignments/ml101/sub1/a.ipynb", "assignments/ml101/.hidden/a.ipynb", ""]:
        r = server.post("submit", {"path": path})
        assert r.status_code == 400, (path, r.text)
        assert "\n" not in r.json()["message"] and "Traceback" not in r.text
    r = server.post("submit", {"path": "assignments/ml101/never-fetched/a.ipynb"})
    assert r.status_code == 404 and "Fetch the assignment first" in r.json()["message"], r.text
    assert server.service.requests == []


def test_submit_refuses_broken_and_oversized_notebooks(server):
    folder = server.home / "assignments" / "ml101" / "big"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_bytes(b"{ not json")
    r = server.post("submit", {"path": "assignments/ml101/big/a.ipynb"})
    assert r.status_code == 400 and "a.ipynb is not a valid notebook" in r.json()["message"], r.text
    (folder / "a.ipynb").write_bytes(b'{"cells": [], "x": "' + b"y" * (21 * 2**20) + b'"}')
    r = server.post("submit", {"path": "assignments/ml101/big/a.ipynb"})
    assert r.status_code == 413 and "too large" in r.json()["message"], r.text
    assert ("ml101", "big") not in server.service.versions


def test_the_services_refusal_reaches_the_learner(server):
    folder = server.home / "assignments" / "other" / "ps1"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_bytes(NOTEBOOK)
    server.service.refuse[("other", "ps1")] = (403, {"message": "You are not in course other."})
    r = server.post("submit", {"path": "assignments/other/ps1/a.ipynb"})
    assert r.status_code == 403 and r.json()["message"] == "You are not in course other.", r.text
    server.service.refuse[("other", "ps1")] = (500, {"unexpected": True})
    r = server.post("submit", {"path": "assignments/other/ps1/a.ipynb"})
    assert r.status_code == 502 and "could not be reached" in r.json()["message"], r.text


def test_forms_need_the_xsrf_token_and_fetch_opens_the_notebook(server):
    server.service.student[("ml101", "form")] = {"form.ipynb": notebook("x")}
    browser = requests.Session()
    # a person logged in by cookie, as through the hub
    r = browser.get(f"{server.url}login?next=/", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', r.text).group(1)
    r = browser.post(f"{server.url}login", data={"password": SERVER_TOKEN, "_xsrf": xsrf}, allow_redirects=False,
                     timeout=30)
    assert r.status_code == 302, r.text[:300]
    page = browser.get(f"{server.url}campushub/assignments/fetch?course=ml101&assignment=form", timeout=30)
    assert page.status_code == 200 and "bootstrap.min.css" in page.text
    assert '<form method="post"' in page.text and "assignments/ml101/form" in page.text
    # a forged form from another site carries no token: refused, nothing written
    r = browser.post(f"{server.url}campushub/assignments/fetch", data={"course": "ml101", "assignment": "form"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 403, r.text[:300]
    assert not (server.home / "assignments" / "ml101" / "form").exists()
    token = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = browser.post(f"{server.url}campushub/assignments/fetch",
                     data={"course": "ml101", "assignment": "form", "_xsrf": token}, allow_redirects=False,
                     timeout=30)
    assert r.status_code == 302 and r.headers["Location"].endswith("/lab/tree/assignments/ml101/form/form.ipynb")
    assert (server.home / "assignments" / "ml101" / "form" / "form.ipynb").read_bytes() == notebook("x")
    # submit from the form: the service's answer, and the way back to the assignment's page
    r = browser.post(f"{server.url}campushub/assignments/submit",
                     data={"course": "ml101", "assignment": "form", "_xsrf": token}, timeout=30)
    assert r.status_code == 200 and "Version 1 received" in r.text, r.text[:500]
    assert 'href="/services/assignments/course/ml101/a/form/"' in r.text


def test_nobody_else_gets_in(server):
    server.service.student[("ml101", "anon")] = {"a.ipynb": NOTEBOOK}
    r = requests.post(f"{server.url}campushub/assignments/fetch", json={"course": "ml101", "assignment": "anon"},
                      timeout=30, allow_redirects=False)
    assert r.status_code in (302, 403), r.status_code
    assert not (server.home / "assignments" / "ml101" / "anon").exists()


def test_bad_requests_get_one_line(server):
    r = requests.post(f"{server.url}campushub/assignments/submit", data=b"[1, 2",
                      headers={"Authorization": f"token {SERVER_TOKEN}", "Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code == 400 and r.json()["message"] == "The request was malformed."
    page = requests.get(f"{server.url}campushub/assignments/submit?course=ml101&assignment=../x",
                        headers={"Authorization": f"token {SERVER_TOKEN}"}, timeout=30)
    assert page.status_code == 400 and "Not a valid assignment name" in page.text and "<form" not in page.text


def test_files_written_are_plain_files_of_the_learner(server):
    server.service.student[("ml101", "modes")] = {"m.ipynb": base64.b64decode(base64.b64encode(NOTEBOOK))}
    # a temporary file left by a server killed while writing does not get in the way
    stale = server.home / "assignments" / "ml101" / "modes" / f".m.ipynb.campushub-{server.process.pid}"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    assert server.post("fetch", {"course": "ml101", "assignment": "modes"}).status_code == 200
    written = server.home / "assignments" / "ml101" / "modes" / "m.ipynb"
    assert written.is_file() and not written.is_symlink()
    assert written.stat().st_mode & 0o022 == 0, oct(written.stat().st_mode)
    assert written.read_bytes() == NOTEBOOK and not stale.exists()
