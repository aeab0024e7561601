"""Sample courses made by the tests: notebooks written as plain nbformat-4 JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

NOTEBOOKS = {
    "01-fast": ["x = 6 * 7", "print(x)"],
    "02-raises": ["a = 1", "raise ValueError('broken lesson')"],
    "03-memory": ["import numpy as np", "block = np.ones(500 * 2**20 // 8)", "print(block.nbytes)"],
    "04-forever": ["while True:\n    pass"],
    "05-network": ["import urllib.request", "urllib.request.urlopen('https://pypi.org', timeout=5).status"],
}


def notebook(cells: list[str]) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": source} for i, source in enumerate(cells)],
    }, indent=1)


def make_course(root: Path, notebooks: dict[str, list[str]] = NOTEBOOKS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, cells in notebooks.items():
        path = root / "lessons" / f"{name}.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(notebook(cells))
    (root / "README.md").write_text("# Sample course\n")
    return root


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=Author", "-c", "user.email=a@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, notebooks: dict[str, list[str]] = NOTEBOOKS) -> Path:
    make_course(root, notebooks)
    git(root, "init", "--quiet", "--initial-branch", "main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "course")
    return root
