"""A second build of the same sources in one process copies the first one's folder instead of running
MkDocs again (campushub/help/memo.py): the render tests of the fast tier build the same portal many times.
Runs MkDocs once, so in the stack tier."""

from __future__ import annotations

import os
import shutil

import pytest

from campushub.help import build, memo, mkdocs_run

from .portal import config, shipped, write


@pytest.mark.stack
def test_the_same_sources_are_built_once_per_process(tmp_path, monkeypatch):
    pages = shipped(tmp_path / "shipped", monkeypatch)
    write(pages, {"learners/memory.md": f"# Memory\n\n## Too much\n\nOnly here: {tmp_path.name}.\n"})  # a new digest
    first = build.build(config(), tmp_path / "one")
    key = os.readlink(first).split("/")[1]
    assert key not in memo._made  # one build of a digest (`up`) keeps no copy of its own
    real = mkdocs_run.run
    monkeypatch.setattr(mkdocs_run, "run", lambda _yml: pytest.fail("MkDocs ran for a digest built already"))
    second = build.build(config(), tmp_path / "two")
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*"))
    assert files == sorted(p.relative_to(second).as_posix() for p in second.rglob("*"))
    assert (second / "learners/memory/index.html").read_bytes() == (first / "learners/memory/index.html").read_bytes()
    assert os.readlink(second) == os.readlink(first)
    # the first build removed (k8s render removes its folder): still copied, from the process's own copy
    shutil.rmtree(tmp_path / "one")
    third = build.build(config(), tmp_path / "three")
    assert "Only here" in (third / "learners/memory/index.html").read_text()
    # its kept copy gone: MkDocs builds again
    monkeypatch.setattr(mkdocs_run, "run", real)
    shutil.rmtree(memo._made[key][0])
    fourth = build.build(config(), tmp_path / "four")
    assert "Only here" in (fourth / "learners/memory/index.html").read_text()
