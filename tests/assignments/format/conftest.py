"""Fixtures for the format layer's tests: a real kernel runs merged notebooks
(nbclient with the test environment's ipykernel), its execute_reply content
recorded per cell, as the grading engine hands replies to scoring."""

from __future__ import annotations

import pytest


def execute(nb, cwd):
    """``nb`` executed in a fresh kernel in ``cwd``; returns (nb, replies)."""
    from nbclient import NotebookClient

    replies: dict[int, dict] = {}

    def record(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply["content"]

    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}}, on_cell_executed=record)
    client.execute()
    return nb, replies


@pytest.fixture
def run_notebook(tmp_path):
    def run(nb, files=None):
        for name, data in (files or {}).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return execute(nb, tmp_path)

    return run


@pytest.fixture(scope="session")
def execute_in():
    """execute() itself, for module-scoped fixtures (run_notebook is per test)."""
    return execute
