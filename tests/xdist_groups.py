"""pytest-xdist's loadgroup with the groups of tests/workers.py, handed over beside the nodeids.

xdist's own way, an `xdist_group` mark that its worker appends to the test's nodeid ("...@hub"),
does nothing on pytest 9.2: nodeids are built from structured ids there and the appended text is
lost, so every test is scheduled alone (pytest-dev/pytest-xdist#1386, open, with xdist 3.8.0; the
maintainers want the groups passed separately, not in nodeids). This module does that with xdist's
hooks: the controller gives each worker a folder in its `workerinput`
(pytest_configure_node), each worker writes nodeid -> group there after its collection, and the
controller's scheduler (pytest_xdist_make_scheduler) is loadgroup whose scope of a test is its group.
Nodeids stay as they are, so reports and `--deselect` read as without xdist. The hooks are called
from tests/conftest.py; tests/test_workers.py runs two real workers and fails if a group is split.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from .workers import group

STASH = pytest.StashKey[str]()
KEY = "campushub_groups"  # in each worker's workerinput: the folder its groups are written to


def configure_node(node) -> None:
    """Controller, per worker before it starts: where to write the groups it finds."""
    config = node.config
    if config.getvalue("dist") != "loadgroup":
        return
    if STASH not in config.stash:
        folder = tempfile.mkdtemp(prefix="campushub-xdist-groups-")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        config.stash[STASH] = folder
    node.workerinput[KEY] = config.stash[STASH]


def record_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Worker, after collection (before xdist reports it): write nodeid -> group for the controller."""
    folder = getattr(config, "workerinput", {}).get(KEY)
    if folder:
        path = Path(folder) / f"{config.workerinput['workerid']}.json"
        # "@": no nodeid begins so, so a group never shares its scope with a test scheduled alone
        path.write_text(json.dumps({nodeid: "@" + name for nodeid, name in group(items).items()}))


def make_scheduler(config: pytest.Config, log):
    """Controller: loadgroup whose groups are the ones the workers wrote (see the top of this module)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedFixtures(LoadGroupScheduling):
        # The method LoadScope's family overrides to say which tests go together (LoadFile: by file,
        # LoadGroup: by the "@" suffix): xdist's, not a documented hook, so tests/test_workers.py checks
        # it on every run. Called from schedule(), once every worker has reported its collection.
        def _split_scope(self, nodeid: str) -> str:
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

        @functools.cached_property
        def groups(self) -> dict[str, str]:
            folder = Path(config.stash.get(STASH, "/nonexistent"))
            return {k: v for path in sorted(folder.glob("*.json")) for k, v in json.loads(path.read_text()).items()}

    return SharedFixtures(config, log)
