"""The student version: what nbgrader's generate_assignment makes, from the same preprocessors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils

from campushub.assignments.format.errors import AssignmentError
from campushub.assignments.format.release import make_release
from campushub.assignments.format.source import load_source, relative_path

PS1 = Path(__file__).parents[1] / "fixtures" / "ps1"


@pytest.fixture(scope="module")
def release():
    return make_release(load_source(PS1))


def student(release, name="problem1.ipynb"):
    return nbformat.reads(release.student[name].decode(), as_version=4)


def test_release_holds_notebooks_data_and_points(release):
    assert sorted(release.student) == ["data/numbers.csv", "problem1.ipynb", "problem2.ipynb"]
    assert release.student["data/numbers.csv"] == (PS1 / "data" / "numbers.csv").read_bytes()
    assert release.max_points == 13.0  # 2+3+3 tests, 2+1 manual, 2 task
    assert [c.grade_id for c in release.grade_cells["problem2.ipynb"]] == ["explain", "fizz", "plot_task"]


def test_solutions_stripped_and_hidden_tests_gone(release):
    text = b"".join(release.student[n] for n in ("problem1.ipynb", "problem2.ipynb")).decode()
    for secret in ("BEGIN SOLUTION", "i * i for i", "csv.DictReader", "max(lo, min(x, hi))", "HIDDEN",
                   "HIDDEN-SQUARES-ZERO", "squares(10)", "isinstance(column_mean", "clamp(2, 0, 3)", "'fizz' if"):
        assert secret not in text
    nb = student(release)
    assert "raise NotImplementedError()" in nb.cells[3].source
    assert nb.cells[4].source == "assert squares(1) == [1]\nassert squares(3) == [1, 4, 9]"
    assert student(release, "problem2.ipynb").cells[2].source == "YOUR ANSWER HERE"


def test_cells_locked_checksummed_outputs_cleared(release):
    for name in ("problem1.ipynb", "problem2.ipynb"):
        for cell in student(release, name).cells:
            meta = cell.metadata.get("nbgrader")
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
            if not meta:
                continue
            assert meta["checksum"] == utils.compute_checksum(cell)
            assert cell.metadata["deletable"] is False
            if utils.is_locked(cell):
                assert cell.metadata["editable"] is False
            else:
                assert cell.metadata.get("editable", True) is True


@pytest.mark.stack  # nbgrader's CLI and its gradebook migrations: tens of seconds, out of the fast tier
def test_same_cells_as_nbgrader_generate_assignment(release, tmp_path):
    """nbgrader, installed as the oracle, makes the release from the same folder."""
    shutil.copytree(PS1, tmp_path / "source" / "ps1")
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from PATH for its gradebook
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    run = subprocess.run([os.path.join(bin_dir, "nbgrader"), "generate_assignment", "ps1", "--force"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("problem1.ipynb", "problem2.ipynb"):
        theirs = nbformat.read(tmp_path / "release" / "ps1" / name, as_version=4)
        ours = student(release, name)
        assert [(c.cell_type, c.source, c.metadata) for c in ours.cells] == \
               [(c.cell_type, c.source, c.metadata) for c in theirs.cells]
    assert (tmp_path / "release" / "ps1" / "data" / "numbers.csv").read_bytes() == release.student["data/numbers.csv"]


def test_source_folder_skips_hidden_and_checkpoints(tmp_path):
    shutil.copytree(PS1, tmp_path / "a")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "problem1-checkpoint.ipynb").write_text("{}")
    (tmp_path / "a" / ".secret").write_text("key")
    source = load_source(tmp_path / "a")
    assert sorted(source.notebooks) == ["problem1.ipynb", "problem2.ipynb"]
    assert sorted(source.files) == ["data/numbers.csv"]


@pytest.mark.parametrize("link", ["file", "dir"])
def test_symlinks_are_refused(tmp_path, link):
    shutil.copytree(PS1, tmp_path / "a")
    (tmp_path / "key.ipynb").write_text("{}")
    if link == "file":
        (tmp_path / "a" / "answers.ipynb").symlink_to(tmp_path / "key.ipynb")
    else:
        (tmp_path / "a" / "more").symlink_to(tmp_path)
    with pytest.raises(AssignmentError) as info:
        load_source(tmp_path / "a")
    assert "symbolic link" in info.value.message() and "\n" not in info.value.message()


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(AssignmentError, match="no such folder"):
        load_source(tmp_path / "nope")
    with pytest.raises(AssignmentError, match="no notebooks"):
        load_source(tmp_path)


@pytest.mark.parametrize("bad", ["../x.ipynb", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", "", ".hidden",
                                 "a/.ipynb_checkpoints/x", "a\x00b"])
def test_relative_path_refuses_escapes(bad):
    with pytest.raises(AssignmentError):
        relative_path(bad)
    assert relative_path("data/numbers.csv") == "data/numbers.csv"


def test_a_folder_far_too_big_is_refused(tmp_path, monkeypatch):
    from campushub.assignments.format import source as source_module

    shutil.copytree(PS1, tmp_path / "a")
    monkeypatch.setattr(source_module, "MAX_FILES", 2)
    with pytest.raises(AssignmentError, match="give the folder of one assignment"):
        load_source(tmp_path / "a")
    monkeypatch.setattr(source_module, "MAX_FILES", 1000)
    monkeypatch.setattr(source_module, "MAX_BYTES", 100)
    with pytest.raises(AssignmentError, match="give the folder of one assignment"):
        load_source(tmp_path / "a")


def test_fifos_and_other_special_files_are_left_out_without_blocking(tmp_path):
    shutil.copytree(PS1, tmp_path / "a")
    os.mkfifo(tmp_path / "a" / "pipe.csv")  # opening it for reading would block without O_NONBLOCK
    source = load_source(tmp_path / "a")
    assert sorted(source.files) == ["data/numbers.csv"]


def test_a_file_swapped_for_a_symlink_while_reading_is_refused(tmp_path, monkeypatch):
    """The race: listed as a regular file, a link to a secret by the time it is opened."""
    shutil.copytree(PS1, tmp_path / "a")
    secret = tmp_path / "secret.txt"
    secret.write_text("ROOT-ONLY-SECRET")
    real_open = os.open

    def racing_open(path, flags, *args, dir_fd=None, **kwargs):
        if path == "numbers.csv" and dir_fd is not None:
            os.unlink(path, dir_fd=dir_fd)
            os.symlink(secret, path, dir_fd=dir_fd)
        return real_open(path, flags, *args, dir_fd=dir_fd, **kwargs)

    monkeypatch.setattr(os, "open", racing_open)
    with pytest.raises(AssignmentError, match="symbolic links are not allowed"):
        load_source(tmp_path / "a")
