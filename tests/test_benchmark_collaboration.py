"""The collaboration memory benchmark (benchmarks/collaboration_memory.py) is run by hand, as
root, against built environments; its pure parts must keep working as CampusHub changes."""

from __future__ import annotations

import json
import os
import random

import nbformat

from benchmarks.collaboration_memory import collaboration_settings, lesson, memory


def test_it_measures_the_settings_users_get():
    # read from the laid server config, so a change there is what the next run measures
    assert collaboration_settings()["YDocExtension"] == {"document_cleanup_delay": None}


def test_its_notebooks_are_valid_and_have_outputs_to_hold():
    nb = nbformat.reads(json.dumps(lesson(random.Random(1), 8)), as_version=4)
    nbformat.validate(nb)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs) and len(outputs) == 9


def test_memory_reads_a_real_process():
    found = memory(os.getpid())
    assert set(found) == {"rss", "pss", "anonymous"} and 0 < found["anonymous"] <= found["rss"]
