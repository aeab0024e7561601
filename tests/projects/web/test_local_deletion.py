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
from campushub.projects.web.local_storage import FOLDER_KEPT, LocalStorage, unix_group_remover

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
    store = LocalStorage(root, tmp_path / "archives", unix_groups=unix_group_remover({}))

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
    assert f"group:{groups.ensure_group(gone).gr_gid}:" not in acl and f"group:{dan_gids[0]}:" in acl
    assert not os.path.lexists(f"{ann.pw_dir}/projects/{gone}")
