"""A learner can hand in notebooks built so that aligning two versions' cells
costs the tutor's diff (?diff=M) minutes of CPU: thousands of cells drawn
from two sources, or one cell of many lines, make difflib's alignment
quadratic or worse. That ran on the
service's event loop, so every page of every course waited. The diff must
come back within the request's deadline. Real web app and Store
(tests/assignments/web/pages_service.py)."""

from __future__ import annotations

import json
import random

import nbformat
import pytest

from campushub.assignments.store import Store

from ..web.pages_service import TUTOR, PagesService

pytestmark = pytest.mark.stack  # notebooks near the size limit: a minute, not the fast tier

CELLS = 35_000  # about 5 MiB: within the default assignments.max_notebook_size


def _notebook(seed: int) -> bytes:
    """CELLS one-letter code cells, nbformat 4.4 (no cell ids), in exactly the bytes nbformat.writes gives
    (indent 1, sorted keys, source as a list of lines) but written with json: nbformat's writes validates
    and copies every cell, 15 s of CPU per notebook."""
    rng = random.Random(seed)
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": [rng.choice("ab")]} for _ in range(CELLS)]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False).encode()


def _one_long_cell(seed: int) -> bytes:
    """The same in one cell: 100,000 lines drawn from 150 (too many for difflib's autojunk to skip)."""
    rng = random.Random(seed)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("\n".join(str(rng.randrange(150)) for _ in range(100_000)))]
    return nbformat.writes(nb).encode()


@pytest.fixture
def service(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    a = store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                                by=TUTOR, released=True)
    for seed in (1, 2):
        store.submit(a["id"], "ann", {"scratch.ipynb": _notebook(seed), "long.ipynb": _one_long_cell(seed)},
                     late=False)
    s = PagesService(store)
    with s:
        yield s


def test_a_diff_of_hostile_versions_comes_back(service):
    r = service.session(TUTOR).get(service.url + "course/c1/a/ps1/learner/ann/v/2?diff=1", timeout=120)
    assert r.status_code == 200
    assert "scratch.ipynb" in r.text and "long.ipynb" in r.text
