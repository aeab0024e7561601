"""Retention on a real site: a running hub and its REST API, real unix accounts and homes.

One flow on the session's hub: plan, apply, restore, audit, in that order,
with a retention config of its own (the hub's file plus a retention
section, pointing at the same data dir).
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest

from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from campushub.retention import apply as engine
from campushub.retention.audit import AuditLog
from campushub.retention.model import people_from_api
from campushub.retention.plan import make_plan

from ..harness import TEST_PREFIX, campushub, wait_for
from .trees import make_tree, owners, snapshot

ANN, BOB, CAT, DAN, EVE = (f"ret-{n}" for n in ("ann", "bob", "cat", "dan", "eve"))


def _home(name: str) -> Path:
    return Path(pwd.getpwnam(unix_name(name, TEST_PREFIX)).pw_dir)


@pytest.fixture(scope="module")
def site(hub, tmp_path_factory):
    work = tmp_path_factory.mktemp("retention")
    config = json.loads(hub.config_file.read_text())
    config["retention"] = {"enabled": True, "archive_dir": str(work / "archive"), "except_groups": ["ret-staff"],
                           "rules": [{"group": "ret-finished"}]}
    config_file = work / "campushub.yaml"
    config_file.write_text(json.dumps(config))
    for name in (ANN, BOB, CAT, DAN, EVE):
        hub.api("POST", f"users/{name}").status_code in (201, 409) or pytest.fail(f"cannot create {name}")
    for group, members in (("ret-finished", [ANN, BOB, CAT, DAN, EVE, "admin"]), ("ret-staff", [CAT])):
        hub.api("POST", f"groups/{group}")
        assert hub.api("POST", f"groups/{group}/users", json={"users": members}).status_code == 200
    for name in (ANN, BOB, CAT, DAN):  # EVE never started a server: no home
        entry = ensure_user(unix_name(name, TEST_PREFIX), owner=name)
        for child in Path(entry.pw_dir).iterdir():  # /etc/skel's copies
            subprocess.run(["rm", "-rf", str(child)], check=True)
        make_tree(Path(entry.pw_dir), entry.pw_uid, entry.pw_gid)
    # BOB is still at work: a process of his account (as a server left running would be)
    busy = subprocess.Popen(["sleep", "600"], user=unix_name(BOB, TEST_PREFIX))
    yield {"config_file": config_file, "config": config, "archive": work / "archive", "work": work}
    busy.kill()
    busy.wait()
    for name in (ANN, BOB, CAT, DAN, EVE):
        hub.api("DELETE", f"users/{name}")
        subprocess.run(["userdel", "--remove", unix_name(name, TEST_PREFIX)], capture_output=True)


def retention(site, *args: str, **kwargs):
    return campushub("retention", *args, "--config", str(site["config_file"]), **kwargs)


def test_plan_apply_restore_on_a_real_site(hub, site):
    originals = {name: snapshot(_home(name)) for name in (ANN, DAN)}

    # a home whose archive fails verification is kept (a truncated archive, as a full disk would leave)
    class Truncating(LocalHomes):
        def archive(self, person, home, dest, on_bytes):
            manifest = super().archive(person, home, dest, on_bytes)
            data = Path(dest).read_bytes()
            Path(dest).write_bytes(data[: len(data) // 3])
            return manifest

    config = {**_effective(site), "courses": {}}
    models = [hub.api("GET", f"users/{DAN}").json()]
    audit = AuditLog(hub.data_dir / "retention" / "audit.jsonl")
    homes = Truncating("/home", TEST_PREFIX, str(site["archive"]))
    from datetime import UTC, datetime

    rows = engine.apply_plan(make_plan(people_from_api(models), config, homes, datetime.now(UTC)), homes, audit)
    assert rows[0]["outcome"] == "failed" and rows[0]["step"] == "verify", rows
    assert "did not verify" in rows[0]["why"]
    assert snapshot(_home(DAN)) == originals[DAN]  # nothing deleted

    planned = retention(site, "plan", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    actions = {i["user"]: (i["action"], i["why"]) for i in plan["items"]}
    assert set(actions) == {ANN, BOB, DAN, EVE}  # CAT is staff, admin is an admin
    assert actions[ANN] == ("archive", "") and actions[DAN] == ("archive", "")
    assert actions[BOB][0] == "skip" and "processes" in actions[BOB][1]
    assert actions[EVE] == ("skip", "no home to archive")
    ann = next(i for i in plan["items"] if i["user"] == ANN)
    assert ann["home"]["files"] == sum(1 for v in originals[ANN].values() if v.get("size") is not None)
    assert ann["home"]["bytes"] == sum(v.get("size", 0) for v in originals[ANN].values())

    applied = retention(site, "apply", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    lines = AuditLog(hub.data_dir / "retention" / "audit.jsonl").read()
    outcome = {line["user"]: line["action"] for line in lines[-8:] if line["action"] in ("deleted", "skipped")}
    # the plan is what apply did
    assert outcome == {u: "deleted" if a == "archive" else "skipped" for u, (a, _) in actions.items()}
    for name in (ANN, DAN):
        with pytest.raises(KeyError):
            pwd.getpwnam(unix_name(name, TEST_PREFIX))
        assert not Path("/home", unix_name(name, TEST_PREFIX)).exists()
        assert hub.api("GET", f"users/{name}").status_code == 200  # the hub user is kept
    assert _home(BOB).is_dir() and _home(CAT).is_dir()

    restored = retention(site, "restore", ANN)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    entry = pwd.getpwnam(unix_name(ANN, TEST_PREFIX))
    assert snapshot(Path(entry.pw_dir)) == originals[ANN]  # content, modes, mtimes, links, empty dirs
    assert owners(Path(entry.pw_dir)) == {(entry.pw_uid, entry.pw_gid)}  # its current account's

    again = retention(site, "restore", ANN)
    assert again.returncode == 1 and "is not empty; give --force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    (Path(entry.pw_dir) / "notebooks" / "data.bin").write_bytes(b"overwritten")
    forced = retention(site, "restore", ANN, "--force")
    assert forced.returncode == 0, forced.stderr
    assert snapshot(Path(entry.pw_dir)) == originals[ANN]

    log = retention(site, "log", "--json", "--user", ANN)
    actions_logged = [json.loads(line)["action"] for line in log.stdout.splitlines()]
    assert actions_logged[-6:] == ["archived", "verified", "deleted", "restored", "failed", "restored"]
    assert {line["action"] for line in lines} >= {"plan", "archived", "verified", "deleted", "skipped", "failed"}
    wait_for(lambda: os.stat(hub.data_dir / "retention" / "audit.jsonl").st_mode & 0o777 == 0o600, 5,
             "the audit log to be private")


def test_apply_refuses_without_enabled_or_confirmation(hub, site):
    off = {**site["config"], "retention": {**site["config"]["retention"], "enabled": False}}
    off_file = site["work"] / "off.yaml"
    off_file.write_text(json.dumps(off))
    before = sorted(p.name for p in site["archive"].glob("*")) if site["archive"].exists() else []
    r = campushub("retention", "apply", "--yes", "--config", str(off_file))
    assert r.returncode == 2 and "retention.enabled is false" in r.stderr
    # ANN has a home to archive (the fixture's, or the one restored by the flow test): apply must ask first
    planned = {i["user"]: i["action"] for i in json.loads(retention(site, "plan", "--json").stdout)["items"]}
    assert planned[ANN] == "archive"
    r = retention(site, "apply", stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "give --yes" in r.stderr, r.stdout + r.stderr
    assert _home(ANN).is_dir()
    after = sorted(p.name for p in site["archive"].glob("*")) if site["archive"].exists() else []
    assert after == before


def _effective(site) -> dict:
    from campushub.config import load

    return load(site["config_file"])


def test_a_running_server_keeps_its_home(hub, site):
    """Running, per the hub: the server is started through the REST API and left running during apply."""
    name = "ret-run"
    assert hub.api("POST", f"users/{name}").status_code in (201, 409)
    hub.api("POST", "groups/ret-running")
    hub.api("POST", "groups/ret-running/users", json={"users": [name]})
    config = {**site["config"], "retention": {**site["config"]["retention"], "rules": [{"group": "ret-running"}]}}
    config_file = site["work"] / "running.yaml"
    config_file.write_text(json.dumps(config))
    try:
        assert hub.api("POST", f"users/{name}/server").status_code in (201, 202)
        wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server to be ready")
        home = _home(name)
        (home / "work.txt").write_text("in progress")
        r = campushub("retention", "plan", "--json", "--config", str(config_file))
        items = json.loads(r.stdout)["items"]
        assert [(i["user"], i["action"], i["why"]) for i in items] == [(name, "skip", "their server is running")]
        r = campushub("retention", "apply", "--yes", "--config", str(config_file))
        assert r.returncode == 0, r.stdout + r.stderr
        assert (home / "work.txt").read_text() == "in progress"
        assert not list(site["archive"].glob("ret-run-*"))
    finally:
        hub.api("DELETE", f"users/{name}/server")
        wait_for(lambda: not hub.api("GET", f"users/{name}").json().get("servers"), 120, f"{name}'s server to stop")
        hub.api("DELETE", f"users/{name}")
        subprocess.run(["userdel", "--remove", unix_name(name, TEST_PREFIX)], capture_output=True)
