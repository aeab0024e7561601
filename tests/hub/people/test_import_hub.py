"""Bulk import on a real hub: 200 learners with some bad lines, through the
REST API handler in the hub (token auth) and `campushub users` on top of it."""

from __future__ import annotations

import csv
import io
import os

import pytest
import requests

from ...harness import campushub
from .cohort import BAD, LEARNERS, cohort_csv

IMPORT, EXPORT = "campushub/users/import", "campushub/users/export"


def post(hub, text: str, **params):
    return hub.api("POST", IMPORT, params=params, data=text.encode())


def rows(text: str) -> dict[str, dict]:
    return {r["username"]: r for r in csv.DictReader(io.StringIO(text))}


@pytest.fixture(scope="module")
def cohort():
    return cohort_csv()


def test_dry_run_reports_and_changes_nothing(people_hub, cohort):
    text, good = cohort
    r = post(people_hub, text, dry_run=1)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["dry_run"] is True
    assert result["summary"] == {"created": len(good), "updated": 0, "unchanged": 0, "errors": len(BAD)}
    assert people_hub.api("GET", "users/learner001").status_code == 404
    assert people_hub.api("GET", "groups/cohort26").status_code == 404


def test_import_applies_the_good_lines_and_reports_each_bad_one(people_hub, cohort):
    text, good = cohort
    result = post(people_hub, text).json()
    assert result["summary"] == {"created": len(good), "updated": 0, "unchanged": 0, "errors": len(BAD)}
    assert {e["line"] for e in result["errors"]} == set(BAD)
    messages = {e["line"]: e["message"] for e in result["errors"]}
    assert "maybe" in messages[30] and "carol" in messages[90] and "line 6" in messages[120]
    assert "5 values" in messages[180]
    assert {line["line"]: line["username"] for line in result["lines"]} == good
    learner = people_hub.api("GET", "users/learner007").json()
    assert sorted(learner["groups"]) == ["cohort26", "ml101"] and learner["admin"] is False
    assert people_hub.api("GET", "users/tutor1").json()["admin"] is True
    members = people_hub.api("GET", "groups/cohort26").json()["users"]
    assert set(LEARNERS) <= set(members) and "learner999" not in members
    for refused in ("learner999", "carol", "learner998", "learner997"):
        assert people_hub.api("GET", f"users/{refused}").status_code == 404


def test_the_same_file_again_changes_nothing(people_hub, cohort):
    text, good = cohort
    result = post(people_hub, text).json()
    assert result["summary"] == {"created": 0, "updated": 0, "unchanged": len(good), "errors": len(BAD)}


def test_export_writes_the_format_back_and_reimports_unchanged(people_hub, cohort):
    r = people_hub.api("GET", EXPORT)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    exported = rows(r.text)
    assert exported["learner003"] == {"username": "learner003", "display_name": "Learner 3, 山田",
                                      "groups": "cohort26;ml101", "admin": "false"}
    assert exported["tutor1"]["admin"] == "true" and exported["admin"]["admin"] == "true"
    result = post(people_hub, r.text).json()
    assert result["summary"]["errors"] == 0 and result["summary"]["created"] == 0
    assert result["summary"]["updated"] == 0 and result["summary"]["unchanged"] == len(exported)


def test_groups_are_only_added_unless_sync_groups(people_hub, tmp_path):
    csv_file = tmp_path / "move.csv"
    csv_file.write_text("username,groups\nlearner001,ml102\n")
    data_dir = str(people_hub.data_dir)
    done = campushub("users", "import", str(csv_file), "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    assert "learner001 updated: +ml102" in done.stdout
    assert sorted(people_hub.api("GET", "users/learner001").json()["groups"]) == ["cohort26", "ml101", "ml102"]
    # the display name and admin columns are absent: left as they were
    assert rows(people_hub.api("GET", EXPORT).text)["learner001"]["display_name"] == "Learner 1, 山田"
    dry = campushub("users", "import", str(csv_file), "--sync-groups", "--dry-run", "--data-dir", data_dir)
    assert dry.returncode == 0 and "would be updated: -cohort26, -ml101" in dry.stdout, dry.stdout
    assert len(people_hub.api("GET", "users/learner001").json()["groups"]) == 3
    synced = campushub("users", "import", str(csv_file), "--sync-groups", "--data-dir", data_dir)
    assert synced.returncode == 0, synced.stderr
    assert people_hub.api("GET", "users/learner001").json()["groups"] == ["ml102"]
    assert people_hub.api("GET", "users/learner002").json()["groups"] == ["cohort26"]  # not in the file


def test_cli_reports_bad_lines_with_status_1_and_export_round_trips(people_hub, tmp_path):
    data_dir = str(people_hub.data_dir)
    bad = tmp_path / "bad.csv"
    bad.write_text("username,admin\nlearner010,perhaps\nnewcomer,\n")
    done = campushub("users", "import", str(bad), "--data-dir", data_dir)
    assert done.returncode == 1
    assert 'line 2: Admin must be true, false, yes, no, 1, 0 or empty, not "perhaps".' in done.stderr
    assert "1 created, 0 updated, 0 unchanged, 1 line(s) with errors" in done.stdout
    out = tmp_path / "people.csv"
    exported = campushub("users", "export", str(out), "--data-dir", data_dir)
    assert exported.returncode == 0, exported.stderr
    again = campushub("users", "import", str(out), "--data-dir", data_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("0 created, 0 updated, ") and again.stdout.endswith(" 0 line(s) with errors\n")
    header = campushub("users", "import", "-", "--data-dir", data_dir, input="name,groups\nx,y\n")
    assert header.returncode == 2 and "line 1: The first line must be the header" in header.stderr


def test_deleting_a_user_drops_their_display_name(people_hub):
    assert people_hub.api("DELETE", "users/learner199").status_code == 204
    result = post(people_hub, "username\nlearner199\n").json()
    assert result["summary"]["created"] == 1
    assert rows(people_hub.api("GET", EXPORT).text)["learner199"]["display_name"] == ""


def test_a_learner_token_is_refused(people_hub):
    token = people_hub.user_token("learner020")
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{people_hub.url}/hub/api/{IMPORT}", data=b"username,admin\nlearner020,true\n",
                      headers=headers, timeout=30)
    assert r.status_code == 403
    assert requests.get(f"{people_hub.url}/hub/api/{EXPORT}", headers=headers, timeout=30).status_code == 403
    assert people_hub.api("GET", "users/learner020").json()["admin"] is False


def test_a_hub_elsewhere_by_url_and_token(people_hub, tmp_path):
    """As against a Kubernetes hub: its public address (through the proxy) and an automation token."""
    out = tmp_path / "remote.csv"
    no_token = campushub("users", "export", str(out), "--url", people_hub.url,
                         env={**os.environ, "CAMPUSHUB_API_TOKEN": ""})
    assert no_token.returncode == 2 and "--url needs a token: set CAMPUSHUB_API_TOKEN" in no_token.stderr
    assert not out.exists()
    env = {**os.environ, "CAMPUSHUB_API_TOKEN": people_hub.api_token}
    done = campushub("users", "export", str(out), "--url", people_hub.url + "/", env=env)
    assert done.returncode == 0, done.stderr
    assert rows(out.read_text())["learner002"]["groups"] == "cohort26"
    wrong = campushub("users", "export", "--url", people_hub.url, env={**os.environ, "CAMPUSHUB_API_TOKEN": "nope"})
    assert wrong.returncode == 2 and "the token was refused" in wrong.stderr and not wrong.stdout
