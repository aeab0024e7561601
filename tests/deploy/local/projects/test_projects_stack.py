"""Project folders through a real hub, on both ways a local server starts (exec and the fork server):
three people in two projects, each working from a real kernel of their own server.

alpha: ann and ben; beta: ben and cat. Members read and write their project's folder, a file one member
made is writable by the other (default ACL, whatever their umask), a non-member gets PermissionError,
`~/projects/<name>` comes and goes, and a member removed through the hub's REST API keeps access until
their server's next start, then loses it.

Attacks (attack report on projects): /etc/group names no project and no member (finding 6); a removed
member's hard link to his own project file stops working at his next start (finding 2); a deleted
project's gid and kept folder go to no later project, even one made again under its name (finding 1).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from campushub.deploy.local.projects import groups
from campushub.projects.model import properties_for
from campushub.projects.web.local_storage import FOLDER_KEPT, LocalStorage, unix_group_remover

from ....harness import Hub, run_code, wait_for
from ..spawner.paths import PATHS, PREFIX, hub_log, running_on, with_path
from .conftest import project_name, purge, purge_gid

STACK_PREFIX = PREFIX + "p"  # the spawner package's hubs use PREFIX: never remove each other's accounts
ALPHA, BETA = project_name("alpha"), project_name("beta")
GONE, FRESH = project_name("gone"), project_name("fresh")
MEMBERS = {ALPHA: ["ann", "ben"], BETA: ["ben", "cat"], GONE: ["dan"]}
RETIRED: list[int] = []  # gids of groups the tests retired

PROBE = """
import json, os
root = {root!r}
out = {{"gids": os.getgroups(), "links": sorted(os.listdir(os.path.expanduser("~/projects")))
        if os.path.isdir(os.path.expanduser("~/projects")) else None}}
for name in {names!r}:
    try:
        out[name] = sorted(os.listdir(os.path.join(root, name)))
    except PermissionError:
        out[name] = "PermissionError"
print(json.dumps(out))
"""


@pytest.fixture(scope="module", params=PATHS)
def site(request, tmp_path_factory):
    path = request.param
    root = Path(f"/srv/chp-stack-projects-{os.getpid()}-{path}")  # not /tmp: servers get their own
    hub = Hub.create(tmp_path_factory.mktemp(f"projects-{path}"),
                     with_path({"spawner": {"user_prefix": STACK_PREFIX}, "projects": {"root": str(root)}}, path))
    try:
        with running_on(hub, path, STACK_PREFIX):
            for project, people in MEMBERS.items():
                for name in people:
                    assert hub.api("POST", f"users/{name}").status_code in (201, 409)
                assert hub.api("POST", f"groups/{project}", json={"users": people}).status_code == 201
                r = hub.api("PUT", f"groups/{project}/properties", json=properties_for([people[0]], project))
                assert r.status_code == 200, r.text
            hub.spawn_path = path
            yield hub, root
    finally:
        for project in (*MEMBERS, FRESH):
            purge(project, root)
        for gid in RETIRED:
            purge_gid(gid)
        shutil.rmtree(root, ignore_errors=True)


def start(hub: Hub, name: str) -> None:
    assert hub.api("POST", f"users/{name}/server").status_code in (201, 202)
    wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server")


def stop(hub: Hub, name: str) -> None:
    assert hub.api("DELETE", f"users/{name}/server").status_code in (202, 204)
    wait_for(lambda: not hub.api("GET", f"users/{name}").json()["servers"], 120, f"{name}'s server to stop")


def kernel(hub: Hub, name: str, code: str) -> dict:
    out = run_code(hub, name, hub.user_token(name), code)
    assert out["error"] is None, out
    return out


def probe(hub: Hub, root: Path, name: str) -> dict:
    return json.loads(kernel(hub, name, PROBE.format(root=str(root), names=[ALPHA, BETA]))["stream"])


def write(path: str, text: str, mode: str = "w") -> str:
    # umask 077, as a careful person sets it: the default ACL must still give the project read/write
    return (f"import os; os.umask(0o077); f = open({path!r}, {mode!r}); f.write({text!r}); f.close(); "
            f"print(oct(os.stat({path!r}).st_mode & 0o777))")


def test_members_share_their_folder_and_others_are_refused(site):
    hub, root = site
    for name in ("ann", "ben", "cat"):
        start(hub, name)
    if hub.spawn_path == "fork":
        log = hub_log(hub)
        assert " by exec: " not in log, "a start on the fork path was exec'd"
        assert log.count("by the fork server") >= 3
    gid = {p: groups.ensure_group(p, groups.site_root(root)).gr_gid for p in MEMBERS}

    ann = probe(hub, root, "ann")
    assert gid[ALPHA] in ann["gids"] and gid[BETA] not in ann["gids"], ann  # the server's own groups
    assert ann[ALPHA] == [] and ann[BETA] == "PermissionError" and ann["links"] == [ALPHA], ann
    made = kernel(hub, "ann", write(os.path.expanduser(f"~{STACK_PREFIX}ann/projects/{ALPHA}/model.py"), "v1"))
    assert made["stream"].strip() == "0o660", made  # through ~/projects/alpha, group read/write

    ben = probe(hub, root, "ben")
    assert ben[ALPHA] == ["model.py"] and ben[BETA] == [] and ben["links"] == sorted([ALPHA, BETA]), ben
    kernel(hub, "ben", write(f"{root}/{ALPHA}/model.py", "+v2", "a"))  # ann's file, written by ben
    assert kernel(hub, "ann", f"print(open('{root}/{ALPHA}/model.py').read())")["stream"].strip() == "v1+v2"

    cat = probe(hub, root, "cat")
    assert cat[ALPHA] == "PermissionError" and cat["links"] == [BETA] and gid[ALPHA] not in cat["gids"], cat
    refused = run_code(hub, "cat", hub.user_token("cat"), f"open('{root}/{ALPHA}/model.py', 'a')")
    assert refused["error"] == "PermissionError", refused

    # Attack (finding 6): cat reads /etc/group for the projects and who is in them
    seen = json.loads(kernel(hub, "cat", "import grp, json; print(json.dumps([(g.gr_name, g.gr_mem) "
                                         "for g in grp.getgrall()]))")["stream"])
    assert not [g for g, _ in seen if ALPHA in g or BETA in g], seen
    # members of this site's accounts: /etc/group is the machine's, and another site's (another pytest-xdist
    # worker's fast tests make old-style groups with members) are not this hub's to show
    ours = [g for g, mem in seen if any(m.startswith(STACK_PREFIX) for m in mem)]
    assert not [g for g in ours if g.startswith(groups.PREFIX)], seen

    # Attack: ben, in both projects, leaves in beta a setgid program of alpha's group for cat (beta only).
    # Servers run with no_new_privs, so running it gives cat nothing of alpha.
    planted = f"{root}/{BETA}/id"
    made = kernel(hub, "ben", f"import os, shutil; shutil.copy('/usr/bin/id', {planted!r}); "
                              f"os.chown({planted!r}, -1, {gid[ALPHA]}); os.chmod({planted!r}, 0o2755); "
                              f"print(oct(os.stat({planted!r}).st_mode))")
    assert made["stream"].strip() == "0o102755", made
    ran = kernel(hub, "cat", f"import subprocess; print(subprocess.run([{planted!r}, '-g'], capture_output=True, "
                             "text=True, check=True).stdout)")
    assert int(ran["stream"]) != gid[ALPHA], ran


def test_a_removed_member_loses_access_at_the_next_start(site):
    hub, root = site
    # Attack (finding 2): while a member, ben hard-links his own project file into his home
    keep = os.path.expanduser(f"~{STACK_PREFIX}ben/keep.ipynb")
    kernel(hub, "ben", write(f"{root}/{ALPHA}/results.ipynb", "ben v1;"))
    kernel(hub, "ben", f"import os; os.link('{root}/{ALPHA}/results.ipynb', {keep!r})")
    r = hub.api("DELETE", f"groups/{ALPHA}/users", json={"users": ["ben"]})
    assert r.status_code == 200, r.text
    # the running server keeps the groups it started with: removal takes effect at the next start
    assert probe(hub, root, "ben")[ALPHA] == ["model.py", "results.ipynb"]
    stop(hub, "ben")
    start(hub, "ben")
    if hub.spawn_path == "fork":
        assert " by exec: " not in hub_log(hub), "a start on the fork path was exec'd"
    ben = probe(hub, root, "ben")
    assert ben[ALPHA] == "PermissionError" and ben[BETA] == ["id"] and ben["links"] == [BETA], ben
    for code in (f"open('{root}/{ALPHA}/model.py', 'a')", f"open({keep!r}).read()", f"open({keep!r}, 'a')"):
        refused = run_code(hub, "ben", hub.user_token("ben"), code)
        assert refused["error"] == "PermissionError", (code, refused)
    kernel(hub, "ann", write(f"{root}/{ALPHA}/results.ipynb", "ann;", "a"))  # the others keep theirs
    assert probe(hub, root, "ann")[ALPHA] == ["model.py", "results.ipynb"]
    assert open(f"{root}/{ALPHA}/results.ipynb").read() == "ben v1;ann;"
    for name in ("ann", "ben", "cat"):
        stop(hub, name)


def test_a_deleted_projects_gid_and_kept_folder_go_to_no_later_project(site, tmp_path):
    # Attack (finding 1): deleting a project freed its gid (groupdel); the next project got it, so a
    # former member's running kernel opened the new project and the new members the kept folder
    hub, root = site
    start(hub, "dan")
    gone_gid = groups.ensure_group(GONE, groups.site_root(root)).gr_gid
    RETIRED.append(gone_gid)
    kernel(hub, "dan", write(f"{root}/{GONE}/client-data.csv", "X,100000"))
    store = LocalStorage(root, tmp_path / "archives", unix_groups=unix_group_remover({"projects": {"root": str(root)}}))

    async def delete():  # what the projects service does (local_storage.py), while dan's server writes
        archived = await store.archive(GONE)
        assert hub.api("DELETE", f"groups/{GONE}").status_code == 204
        kernel(hub, "dan", write(f"{root}/{GONE}/log.txt", "1"))
        return await store.remove(GONE, archived)

    note = asyncio.run(delete())
    assert note is not None and note.message == FOLDER_KEPT
    for project, owner in ((FRESH, "cat"), (GONE, "ann")):  # a new project; one made again under the old name
        assert hub.api("POST", f"groups/{project}", json={"users": [owner]}).status_code == 201
        assert hub.api("PUT", f"groups/{project}/properties", json=properties_for([owner], project)).status_code == 200
        start(hub, owner)
    here = groups.site_root(root)
    assert gone_gid not in (groups.ensure_group(FRESH, here).gr_gid, groups.ensure_group(GONE, here).gr_gid)
    kernel(hub, "cat", write(f"{root}/{FRESH}/contract.txt", "fresh secret"))
    for name, code in (("dan", f"os.listdir('{root}/{FRESH}')"), ("cat", f"os.listdir('{root}/{GONE}')"),
                       ("ann", f"os.listdir('{root}/{GONE}')")):
        refused = run_code(hub, name, hub.user_token(name), "import os; " + code)
        assert refused["error"] == "PermissionError", (name, refused)
    assert os.stat(root / GONE).st_gid == gone_gid  # kept, with the tombstone's gid
    assert "a folder kept from a deleted project" in hub_log(hub)
    for name in ("ann", "cat", "dan"):
        stop(hub, name)
