"""Two real sites on one machine (docs/operations.md "Several sites on one machine"), each with its own
data dir, port, user prefix and projects.root, and each with a project of the same name and one member:
neither member's server opens the other site's folder of that name. A third site given the first
site's projects.root is refused by `up` with one line, before anything starts.

Attack (the lead's): both sites named the project's unix group after the project alone, so both
folders had one gid and each site's member read and wrote the other site's folder by its path.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import pytest

from campushub.deploy.local.projects import claim

from ....harness import TEST_PREFIX, Hub, campushub, run_code, running, wait_for
from .conftest import project_name, purge

ML = project_name("ml")  # the same name on both sites (of this pytest process: parallel runs never share it)
SITES = {"a": "ann", "b": "bob"}  # each site's one member of ML
PROBE = """
import json, os
out = {{"gids": os.getgroups()}}
for where in ("mine", "theirs"):
    folder = {folders}[where]
    try:
        out[where] = sorted(os.listdir(folder))
        out[where + "-read"] = [open(os.path.join(folder, f)).read() for f in out[where]]
    except PermissionError:
        out[where] = "PermissionError"
print(json.dumps(out))
"""


def prefix(site: str) -> str:
    return TEST_PREFIX[:-1] + f"s{site}-"  # each site's accounts, as two real sites must have


def root_of(site: str) -> Path:
    return Path(f"/srv/chp-test-sites-{os.getpid()}-{site}")  # not /tmp: servers get their own


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    hubs = {}
    try:
        with contextlib.ExitStack() as stack:
            for site, member in SITES.items():
                hub = Hub.create(tmp_path_factory.mktemp(f"site-{site}"), {
                    "spawner": {"user_prefix": prefix(site)},
                    "projects": {"enabled": True, "root": str(root_of(site)),
                                 "declared": {ML: {"members": [member]}}}}, servers=False)
                hubs[site] = stack.enter_context(running(hub, prefix(site)))
            yield hubs
    finally:
        for site in SITES:
            purge(ML, root_of(site))
            shutil.rmtree(root_of(site), ignore_errors=True)


def start(hub: Hub, name: str) -> None:
    assert hub.api("POST", f"users/{name}/server").status_code in (201, 202)
    wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server")


def kernel(hub: Hub, name: str, code: str) -> dict:
    out = run_code(hub, name, hub.user_token(name), code)
    assert out["error"] is None, out
    return out


def test_ATTACK_a_member_opens_no_folder_of_another_site_s_project_of_the_same_name(sites):
    for site, member in SITES.items():
        start(sites[site], member)
        mine = root_of(site) / ML
        kernel(sites[site], member, f"open({str(mine / (member + '.txt'))!r}, 'w').write('{site} secret')")
    seen = {}
    for site, member in SITES.items():
        other = "b" if site == "a" else "a"
        folders = {"mine": str(root_of(site) / ML), "theirs": str(root_of(other) / ML)}
        seen[site] = json.loads(kernel(sites[site], member, PROBE.format(folders=folders))["stream"])
    for site, member in SITES.items():
        other = "b" if site == "a" else "a"
        assert seen[site]["mine"] == [f"{member}.txt"] and seen[site]["mine-read"] == [f"{site} secret"], seen
        assert seen[site]["theirs"] == "PermissionError", seen  # the old code listed and read it
        assert os.stat(root_of(other) / ML).st_gid not in seen[site]["gids"], seen
    assert os.stat(root_of("a") / ML).st_gid != os.stat(root_of("b") / ML).st_gid
    for site, member in SITES.items():
        assert sites[site].api("DELETE", f"users/{member}/server").status_code in (202, 204)


def test_a_site_given_another_site_s_projects_root_is_refused_before_anything_starts(sites, tmp_path):
    first = sites["a"]
    marker = root_of("a") / claim.MARKER
    before = (marker.read_text(), os.stat(marker).st_ino)
    third = Hub.create(tmp_path / "c", {"spawner": {"user_prefix": prefix("c")},
                                        "projects": {"enabled": True, "root": str(root_of("a"))}}, servers=False)
    try:
        r = campushub("up", "--config", str(third.config_file), timeout=120)
    finally:
        if third.data_dir.exists():  # an `up` that was not refused: what it started is stopped
            campushub("down", "--data-dir", str(third.data_dir))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stderr.strip() == (
        f"campushub: projects.root {root_of('a')} belongs to the site at {first.data_dir}; give this site a "
        "projects.root of its own in campushub.yaml (two sites sharing it would share every project's folder)")
    assert (marker.read_text(), os.stat(marker).st_ino) == before and marker.read_text() == f"{first.data_dir}\n"
    assert not third.data_dir.exists()
