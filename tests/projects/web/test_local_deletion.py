"""Deleting a project on one machine (local_storage.py) with real unix groups, accounts and the start
step (deploy/local/projects, with test_at_start.py's stand-in spawner): attack of finding 1, a folder
kept by a deletion was handed to the next project by its freed gid, or by its name to a project made
again under it."""

from __future__ import annotations

import asyncio
import grp
import os
import subprocess
import threading

from campushub.deploy.local.projects import at_start, groups
from campushub.projects.web.local_storage import FOLDER_KEPT, NOT_ITS_FOLDER, LocalStorage, unix_group_remover

from ...deploy.local.projects.conftest import PYTHON, accounts, as_account, projects, purge, root, tombstones  # noqa: F401 (fixtures)
from ...deploy.local.projects.test_at_start import stand_in

LIST = "import os, sys; print(os.listdir(sys.argv[1]))"
WRITE = "import sys; open(sys.argv[1], 'w').write(sys.argv[2])"


def start(entry, root_path, names, monkeypatch):
    monkeypatch.setattr(at_start, "_python", lambda spawner: PYTHON)
    spawner = stand_in(entry, root_path, names)
    return at_start.prepare(spawner, names, entry.pw_dir, threading.Lock()), spawner.project_gids


def test_ATTACK_a_kept_folder_goes_to_no_later_project(root, projects, accounts, tombstones,  # noqa: F811
                                                      tmp_path, monkeypatch):
    gone, fresh = projects("kgone"), projects("kfresh")
    dan, cat, ann = accounts("kdan"), accounts("kcat"), accounts("kann")
    _, dan_gids = start(dan, root, [gone], monkeypatch)
    folder = f"{root}/{gone}"
    assert as_account(dan, WRITE, f"{folder}/client-data.csv", "X,100000", gids=dan_gids).returncode == 0
    store = LocalStorage(root, tmp_path / "archives", unix_groups=unix_group_remover({"projects": {"root": str(root)}}))

    async def delete():
        archived = await store.archive(gone)
        # dan's running server writes meanwhile: the folder is kept
        assert as_account(dan, WRITE, f"{folder}/log.txt", "1", gids=dan_gids).returncode == 0
        return await store.remove(gone, archived)

    note = asyncio.run(delete())
    tombstones.append(dan_gids[0])
    assert note is not None and note.message == FOLDER_KEPT
    assert os.stat(folder).st_gid == dan_gids[0]
    tomb = grp.getgrgid(dan_gids[0])  # the gid stays taken, by a memberless tombstone
    assert tomb.gr_name == f"{groups.RETIRED}{dan_gids[0]}" and tomb.gr_mem == []

    # (a) the next project gets another gid: its members cannot open the kept folder
    _, cat_gids = start(cat, root, [fresh], monkeypatch)
    assert cat_gids and dan_gids[0] not in cat_gids
    refused = as_account(cat, LIST, folder, gids=cat_gids)
    assert refused.returncode != 0 and "PermissionError" in refused.stderr, refused
    # (b) a project made again under the old name does not adopt the kept folder
    notes, ann_gids = start(ann, root, [gone], monkeypatch)
    assert notes == [(at_start.NOT_AVAILABLE, {"project": gone})]
    assert os.stat(folder).st_gid == dan_gids[0] and dan_gids[0] not in ann_gids
    refused = as_account(ann, LIST, folder, gids=ann_gids)
    assert refused.returncode != 0 and "PermissionError" in refused.stderr, refused
    acl = subprocess.run(["getfacl", "--numeric", folder], capture_output=True, text=True).stdout
    again = groups.ensure_group(gone, groups.site_root(root)).gr_gid
    assert f"group:{again}:" not in acl and f"group:{dan_gids[0]}:" in acl
    assert not os.path.lexists(f"{ann.pw_dir}/projects/{gone}")


def test_ATTACK_a_project_made_again_under_a_deleted_ones_name_neither_measures_nor_deletes_its_kept_folder(
        root, projects, accounts, tombstones, tmp_path, monkeypatch):  # noqa: F811
    # attack round 2, finding 5: the new project showed the kept folder's size and last change, and
    # deleting it archived and removed that folder
    from campushub.projects import service

    gone = projects("kagain")
    dan, ann = accounts("adan"), accounts("aann")
    _, dan_gids = start(dan, root, [gone], monkeypatch)
    folder = f"{root}/{gone}"
    assert as_account(dan, WRITE, f"{folder}/client-data.csv", "X,100000", gids=dan_gids).returncode == 0
    monkeypatch.delenv("CAMPUSHUB_PROJECTS_STORAGE", raising=False)
    store = service.storage({"projects": {"root": str(root)}}, tmp_path)  # as the service makes it

    async def delete():
        archived = await store.archive(gone)
        assert as_account(dan, WRITE, f"{folder}/log.txt", "1", gids=dan_gids).returncode == 0
        return await store.remove(gone, archived)

    assert asyncio.run(delete()).message == FOLDER_KEPT
    tombstones.append(dan_gids[0])

    async def usage():
        return await store.usage(gone, [])

    # made again, before (no unix group yet) and after a member's start (a group of its own)
    for made_again in (False, True):
        if made_again:
            start(ann, root, [gone], monkeypatch)
            assert groups.current_gid(gone, groups.site_root(root)) not in (None, dan_gids[0])
        found = asyncio.run(usage())
        assert not found.measured and found.bytes is None and found.activity is None
    archives = sorted(tmp_path.rglob(f"project-{gone}-*"))  # the first deletion's
    archived = asyncio.run(store.archive(gone))
    assert archived.path == "" and archived.note.message == NOT_ITS_FOLDER
    assert archived.note.values == {"folder": folder, "gid": dan_gids[0]}
    tombstones.append(groups.current_gid(gone, groups.site_root(root)))
    assert asyncio.run(store.remove(gone, archived)) == archived.note
    assert sorted(os.listdir(folder)) == ["client-data.csv", "log.txt"] and os.stat(folder).st_gid == dan_gids[0]
    assert sorted(tmp_path.rglob(f"project-{gone}-*")) == archives  # nothing archived again
