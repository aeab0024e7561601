"""Graders for the grading tests: real sandboxes (bubblewrap as `nobody`,
cgroups), the site's default environment, small limits so attacks end soon.
Each grader is closed at the end and must leave nothing behind."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from campushub.content.check.sandbox import Limits

from ...content.check.conftest import python  # noqa: F401  (the environment the kernels run in)
from .notebooks import leftovers

LIMITS = Limits(memory=512 * 2**20, cpu=1.0, pids=64, timeout=180)  # printing 1 GB takes its time


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """A service data folder with a world-readable database file, where no default hides it (not under
    /tmp, /var/lib or /srv): the sandbox must hide it because the grader was told to, not by permissions."""
    folder = Path(tempfile.mkdtemp(prefix="campushub-grading-test-", dir="/opt"))
    folder.chmod(0o755)
    (folder / "assignments.sqlite").write_text("SECRET-DATABASE-CONTENT")
    (folder / "assignments.sqlite").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def grader(python, tmp_path_factory, data_dir):  # noqa: F811
    from campushub.assignments.grading.engine import Grader

    g = Grader(python, workers=2, limits=LIMITS, scratch_root=tmp_path_factory.mktemp("scratch"), hide=(data_dir,))
    yield g
    g.close()
    assert leftovers(g) == (set(), set()), "the grader left cgroups or processes behind"
