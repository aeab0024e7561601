"""A person retired by retention (real account, real project group and folder): their membership of the
project's group goes with the account (userdel), the project folder and what they wrote in it stay, and
their `~/projects/<name>` link is archived as a link, never followed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from campushub.config import loads
from campushub.deploy.local.projects import folders
from campushub.deploy.local.projects.home_links import update
from campushub.deploy.local.retention_homes import LocalHomes
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name
from campushub.retention import apply as engine
from campushub.retention.audit import AuditLog
from campushub.retention.model import Person
from campushub.retention.plan import make_plan

from ....harness import TEST_PREFIX
from .conftest import as_account
from .conftest import group as project_group

WRITE = "import sys; open(sys.argv[1], 'w').write('results')"


def test_retention_keeps_the_project_folder(tmp_path, root, projects):
    name, person = projects("ret"), f"ret{os.getpid()}"
    account = unix_name(person, TEST_PREFIX)
    homes = Path(f"/tmp/chp-test-retention-{os.getpid()}")
    homes.mkdir(mode=0o711)
    try:
        entry = ensure_user(account, str(homes), owner=person)
        group = project_group(name, root)
        fd = folders.open_root(root)
        folders.ensure_folder(fd, name, group.gr_gid)
        os.close(fd)
        assert as_account(entry, WRITE, f"{root}/{name}/by-leaver.txt", gids=[group.gr_gid]).returncode == 0
        update(entry.pw_dir, str(root), [name])

        config = loads(f"retention:\n  enabled: true\n  archive_dir: {tmp_path / 'archive'}\n"
                       "  rules:\n    - group: finished\n")
        backend = LocalHomes(str(homes), TEST_PREFIX, str(tmp_path / "archive"))
        plan = make_plan([Person(person, groups=("finished",))], config, backend, datetime(2026, 12, 1, tzinfo=UTC))
        (result,) = engine.apply_plan(plan, backend, AuditLog(tmp_path / "audit.jsonl"))
        assert result["outcome"] == "deleted", result

        assert not os.path.lexists(entry.pw_dir)
        assert (root / name / "by-leaver.txt").read_text() == "results"  # the project's data stays
        archive = result["archive"]
        with tarfile.open(archive) as tar:
            link = next(m for m in tar.getmembers() if m.name.endswith(f"projects/{name}"))
            assert link.issym() and link.linkname == f"{root}/{name}"
            assert not any(m.name.endswith("by-leaver.txt") for m in tar.getmembers())
    finally:
        subprocess.run(["userdel", "--remove", account], capture_output=True)
        shutil.rmtree(homes, ignore_errors=True)
