"""What a learner saves is on disk before JupyterLab says saved, with
real-time collaboration on (jupyter-collaboration saves through the
notebook's room; singleuser/collab_save.py makes a failed save say so)."""

from __future__ import annotations

import json
import os
import re

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import TEST_PREFIX
from .assignments_flow import LAB_TIMEOUT, home, open_in_lab
from .test_browser import submit_login

pytestmark = pytest.mark.browser


def put_notebook(hub, user: str, name: str) -> None:
    cell = {"cell_type": "code", "id": "only", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "x = 1"}
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}  # else Lab asks which
    content = {"cells": [cell], "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    r = requests.put(f"{hub.url}/user/{user}/api/contents/{name}", json={"type": "notebook", "content": content},
                     headers={"Authorization": f"token {hub.user_token(user)}"}, timeout=30)
    assert r.status_code in (200, 201), r.text


def edit_and_save(page, text: str) -> None:
    editor = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    expect(editor).to_have_text(text)
    page.keyboard.press("Control+s")


def source_on_disk(path) -> str:
    return "".join(json.loads(path.read_text())["cells"][0]["source"])


def test_saved_means_on_disk_and_a_failed_save_says_so(hub, admin, new_page):
    una = make_user(hub, admin, "una")
    page = new_page("en-US")
    page.goto(f"{hub.url}/hub/login")
    submit_login(page, una)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
    folder = home(una.name, TEST_PREFIX)
    current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")

    put_notebook(hub, una.name, "kept.ipynb")
    open_in_lab(page, hub, una.name, "kept.ipynb")
    edit_and_save(page, "x = 'saved'")
    expect(current_tab).not_to_have_class(re.compile(r"jp-mod-dirty"), timeout=30_000)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    # the moment the tab is clean the file has it: no waiting here
    assert source_on_disk(folder / "kept.ipynb") == "x = 'saved'"

    # a notebook that can no longer be written while open (here read-only: the server runs as her)
    put_notebook(hub, una.name, "frozen.ipynb")
    open_in_lab(page, hub, una.name, "frozen.ipynb")
    os.chmod(folder / "frozen.ipynb", 0o444)
    edit_and_save(page, "x = 'lost'")
    expect(page.locator(".jp-Dialog")).to_contain_text("File Save Error", timeout=30_000)
    expect(current_tab).to_have_class(re.compile(r"jp-mod-dirty"))
    assert source_on_disk(folder / "frozen.ipynb") == "x = 1"
