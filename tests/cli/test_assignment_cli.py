"""`campushub assignment create` and `campushub grade`: exit statuses, one-line errors, --dry-run, the upload.

The upload tests post to a small recording HTTP server standing in for the
assignments service: what is checked here is the request the CLI makes (URL,
token, body) and how it reports answers; the service's own API is tested
against the real service in tests/assignments and the browser tests.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from campushub.assignments.format.release import make_release
from campushub.assignments.format.source import load_source

from ..content.check.conftest import python  # noqa: F401  (the environment the kernels run in)
from ..inprocess import campushub

PS1 = Path(__file__).parents[1] / "assignments" / "fixtures" / "ps1"


def create(*args, env=None):
    return campushub("assignment", "create", *args, env=env if env is not None else {})


def one_line(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("campushub: "), r.stderr
    return lines[0]


def test_dry_run_writes_the_student_version(tmp_path):
    out = tmp_path / "student"
    r = create(str(PS1), "--course", "c101", "--dry-run", str(out))
    assert r.returncode == 0, r.stderr
    assert "nothing uploaded" in r.stdout and "13 points" in r.stdout
    expected = make_release(load_source(PS1)).student
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == expected


@pytest.fixture
def broken(tmp_path):
    folder = tmp_path / "ps1"
    shutil.copytree(PS1, folder)
    nb = nbformat.read(folder / "problem1.ipynb", as_version=4)
    nb.cells[7].metadata.nbgrader.grade_id = "test_squares"
    nbformat.write(nb, folder / "problem1.ipynb")
    return folder


def test_validation_error_is_one_line_exit_2_and_creates_nothing(broken, tmp_path):
    out = tmp_path / "student"
    r = create(str(broken), "--course", "c101", "--dry-run", str(out))
    assert r.returncode == 2
    assert one_line(r) == ("campushub: problem1.ipynb: cell 8: grade id test_squares is used twice (also cell 5): "
                           "give each cell its own id")
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--course", "Bad Course"], "--course"),
    (["--course", "c101", "--due", "next friday"], "--due"),
    (["--course", "c101", "--name", "../x"], "assignment name"),
    (["--course", "c101", "--title", "  "], "--title"),
])
def test_bad_options_exit_2(tmp_path, args, words):
    r = create(str(PS1), *args, "--dry-run", str(tmp_path / "out"))
    assert r.returncode == 2 and words in one_line(r)
    assert not (tmp_path / "out").exists()


def test_missing_folder_and_occupied_dry_run_folder(tmp_path):
    r = create(str(tmp_path / "nope"), "--course", "c101", "--dry-run", str(tmp_path / "out"))
    assert r.returncode == 2 and "no such folder" in one_line(r)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    r = create(str(PS1), "--course", "c101", "--dry-run", str(tmp_path / "out"))
    assert r.returncode == 2 and "not a new or empty folder" in one_line(r)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]


class Recorder:
    """An HTTP server on 127.0.0.1 that records requests and gives a chosen answer."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer = (201, {"released": False, "message": "Created assignment ps1 in course c101."})
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                          "body": json.loads(body)})
                status, data = recorder.answer
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def service():
    recorder = Recorder()
    yield recorder
    recorder.close()


def test_upload_with_the_api_token(service):
    url = service.url + "/services/assignments/"
    r = create(str(PS1), "--course", "c101", "--title", "Problem set 1", "--due", "2026-12-24T18:00+09:00",
               "--no-release", "--url", url, env={"CAMPUSHUB_API_TOKEN": "tok-123"})
    assert r.returncode == 0, r.stderr
    assert "created in course c101, not released yet" in r.stdout
    [req] = service.requests
    assert req["path"] == "/services/assignments/api/course/c101/assignments"
    assert req["auth"] == "token tok-123"
    body = req["body"]
    assert {k: body[k] for k in ("name", "title", "due", "release")} == {
        "name": "ps1", "title": "Problem set 1", "due": "2026-12-24T18:00:00+09:00", "release": False}
    source = load_source(PS1)  # the source goes up (the service grades with it and makes the release itself)
    assert {p: base64.b64decode(v) for p, v in body["files"].items()} == {**source.notebooks, **source.files}


def test_upload_to_the_local_site_with_the_cli_token(service, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "effective-config.json").write_text(json.dumps({"hub": {"public_url": service.url, "base_url": "/hub1/"}}))
    (data / "cli-api-token").write_text("cli-secret\n")
    r = create(str(PS1), "--course", "c101", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    [req] = service.requests
    assert req["path"] == "/hub1/services/assignments/api/course/c101/assignments"
    assert req["auth"] == "token cli-secret" and req["body"]["release"] is True and req["body"]["due"] is None


@pytest.mark.parametrize("status, data, code, words", [
    (400, {"message": "problem1.ipynb: cell 3: something the service found"}, 2, "something the service found"),
    (403, {}, 1, "token was refused"),
    (500, "not json", 1, "HTTP 500"),
])
def test_service_refusals_are_one_line(service, status, data, code, words):
    service.answer = (status, data)
    r = create(str(PS1), "--course", "c101", "--url", service.url + "/", env={"CAMPUSHUB_API_TOKEN": "t"})
    assert r.returncode == code and words in one_line(r)


def test_unreachable_service_and_no_site(tmp_path, service):
    url = service.url + "/"
    service.close()
    service.close = lambda: None
    r = create(str(PS1), "--course", "c101", "--url", url, env={"CAMPUSHUB_API_TOKEN": "t"})
    assert r.returncode == 1 and "cannot reach the assignments service" in one_line(r)
    r = create(str(PS1), "--course", "c101", "--data-dir", str(tmp_path))
    assert r.returncode == 1 and "no running site" in one_line(r)


# -- campushub grade ---------------------------------------------------------------------------------------

def test_grade_help_documents_exit_statuses():
    r = campushub("grade", "--help")
    assert r.returncode == 0 and "exit status: 0 graded" in " ".join(r.stdout.split())


def test_grade_refuses_bad_input_in_one_line(tmp_path, broken):
    junk = tmp_path / "junk.ipynb"
    junk.write_text("{not a notebook")
    r = campushub("grade", str(junk), "--source", str(PS1 / "problem1.ipynb"), "--python", sys.executable)
    assert r.returncode == 2 and "junk.ipynb: not a valid notebook" in one_line(r)
    r = campushub("grade", str(PS1 / "problem1.ipynb"), "--source", str(broken / "problem1.ipynb"),
                  "--python", sys.executable)
    assert r.returncode == 2 and "is used twice" in one_line(r)
    r = campushub("grade", str(tmp_path / "none.ipynb"), "--source", str(PS1 / "problem1.ipynb"))
    assert r.returncode == 2 and "cannot read the submission" in one_line(r)


@pytest.mark.stack  # the grading engine's sandbox: root, bubblewrap and cgroups, as `content check`
@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
def test_grade_json_scores_solution_and_student_version(tmp_path, python):  # noqa: F811
    # the site's environment, as graders use: a checkout's own venv may sit under /tmp, which the sandbox replaces
    source = PS1 / "problem1.ipynb"
    r = campushub("grade", str(source), "--source", str(source), "--json", "--python", python)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["auto_points"] == 8.0 and result["max_points"] == 8.0
    assert [c["passed"] for c in result["cells"] if c["kind"] == "tests"] == [True, True, True]
    student = tmp_path / "problem1.ipynb"
    student.write_bytes(make_release(load_source(PS1)).student["problem1.ipynb"])
    r = campushub("grade", str(student), "--source", str(source), "--python", python)
    assert r.returncode == 0, r.stderr
    assert "Autograded: 0 / 8 points" in r.stdout and "failed" in r.stdout
