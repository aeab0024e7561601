"""The JupyterLab side's submit reads the learner's notebooks (singleuser/
assignments_folder.py, the real module on a real folder): a file of JSON
nested past the recursion limit is the one-line "not a valid notebook"
refusal, not an exception that leaves the learner's server answering 500."""

from __future__ import annotations

import os

import pytest

from campushub.singleuser.assignments_folder import Refused, read_notebooks


def test_deeply_nested_notebook_is_refused_in_one_line(tmp_path):
    (tmp_path / "problem1.ipynb").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(Refused) as refused:
            read_notebooks(fd)
    finally:
        os.close(fd)
    assert refused.value.status == 400 and "not a valid notebook" in refused.value.text
