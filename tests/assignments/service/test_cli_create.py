"""`campushub assignment create` against the real assignments service behind
a real hub (the site of conftest.py), with a tutor's own API token."""

from __future__ import annotations

import base64
from pathlib import Path

from ...inprocess import campushub
from .conftest import COURSE

PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"


def test_a_tutor_creates_an_assignment_from_the_cli(site, ps1_release):
    r = campushub("assignment", "create", str(PS1), "--course", COURSE, "--name", "ps1cli", "--no-release",
                  "--due", "2030-01-01T12:00Z", "--url", site.prefix, env={"CAMPUSHUB_API_TOKEN": site.tokens["tess"]})
    assert r.returncode == 0, r.stderr
    assert "created in course c1, not released yet" in r.stdout
    got = site.call("tess", "GET", f"api/course/{COURSE}/a/ps1cli/student")
    assert got.status_code == 200, got.text
    files = {p: base64.b64decode(v) for p, v in got.json()["files"].items()}
    assert files == ps1_release.student  # what the CLI's --dry-run shows is what the service releases
    assert got.json()["due"].startswith("2030-01-01T12:00")
    assert site.call("ann", "GET", f"api/course/{COURSE}/a/ps1cli/student").status_code == 404  # not released


def test_the_service_refusals_reach_the_terminal_in_one_line(site):
    r = campushub("assignment", "create", str(PS1), "--course", COURSE, "--name", "byann", "--url", site.prefix,
                  env={"CAMPUSHUB_API_TOKEN": site.tokens["ann"]})
    assert r.returncode == 1
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("campushub: the assignments service refused: ") and "tutors" in line
    assert site.call("tess", "GET", f"api/course/{COURSE}/a/byann/student").status_code == 404


def test_on_the_hubs_machine_the_cli_token_is_enough(site):
    """No token given: the site's own campushub-cli service token and URL, from its data dir."""
    r = campushub("assignment", "create", str(PS1), "--course", COURSE, "--name", "bycli", "--no-release",
                  "--data-dir", str(site.hub.data_dir), env={})
    assert r.returncode == 0, r.stderr
    assert site.call("tess", "GET", f"api/course/{COURSE}/a/bycli/student").status_code == 200
    # the operator's token is a tutor's for creating, never a learner's
    r = site.call(None, "POST", f"api/course/{COURSE}/a/bycli/submissions", json={"files": {}},
                  headers={"Authorization": f"token {(site.hub.data_dir / 'cli-api-token').read_text().strip()}"})
    assert r.status_code == 403
