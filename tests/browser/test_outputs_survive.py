"""Outputs that survive a closed tab, in Chromium: a cell prints a line a
second for 20 s, the tab is closed at its third line, and when the notebook
is opened again after the cell has ended, all 20 lines are there, in the page
and in the file.

jupyter-server-nbmodel runs the cell in the server and writes what it prints
into jupyter-collaboration's shared document, which is saved to the file
(singleuser/files.py keeps that document while no tab shows it). Without
them the kernel's output goes to a websocket nobody holds and is lost.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import wait_for
from .assignments_flow import LAB_TIMEOUT, open_in_lab
from .test_browser import submit_login

pytestmark = pytest.mark.browser

NOTEBOOK = "survive.ipynb"
LINES = [f"line {i}" for i in range(1, 21)]
CODE = 'import time\nfor i in range(1, 21):\n    print(f"line {i}", flush=True)\n    time.sleep(1)'


def put_notebook(hub, user: str, token: str, kernel: str = "python3") -> None:
    cell = {"cell_type": "code", "id": "printer", "metadata": {}, "outputs": [], "execution_count": None,
            "source": CODE}
    content = {"cells": [cell], "metadata": {"kernelspec": {"name": kernel, "display_name": kernel,
                                                             "language": "python"}},
               "nbformat": 4, "nbformat_minor": 5}
    r = requests.put(f"{hub.url}/user/{user}/api/contents/{NOTEBOOK}", headers={"Authorization": f"token {token}"},
                     json={"type": "notebook", "format": "json", "content": content}, timeout=30)
    assert r.status_code in (200, 201), r.text


def saved_lines(hub, user: str, token: str) -> tuple[list[str], int | None]:
    """The printer cell as the file on disk holds it: its lines and execution count."""
    r = requests.get(f"{hub.url}/user/{user}/api/contents/{NOTEBOOK}", headers={"Authorization": f"token {token}"},
                     timeout=30)
    r.raise_for_status()
    cell = r.json()["content"]["cells"][0]
    text = "".join(o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                   for o in cell["outputs"] if o.get("output_type") == "stream")
    return text.splitlines(), cell["execution_count"]


def run_and_close_at_line_3(page, ready: re.Pattern) -> None:
    # Lab drops a run while the notebook has no kernel yet: wait for the status bar to say it has one
    kernel_status = page.locator('.jp-StatusBar-TextItem[title^="Change kernel"]')
    expect(kernel_status).to_have_text(ready, timeout=120_000)
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    output = cell.locator(".jp-OutputArea-output")
    expect(output).to_contain_text("line 3", timeout=60_000)
    shown = output.inner_text()
    assert "line 20" not in shown, "the cell ended before the tab was closed: nothing was tested"
    page.close()


def outputs_survive_a_closed_tab(hub, page, user, kernel: str = "python3",
                                 ready: re.Pattern = re.compile(r"\| Idle$")) -> None:
    """Signed in as `user` on `page`: run the printer in a notebook of `kernel`, close the tab at line 3,
    and find all 20 lines in the file and in the notebook opened again. `ready`: the kernel status bar
    text once the notebook's kernel is there (Lab says "| Idle" once its own websocket is connected)."""
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
    token = hub.user_token(user.name)
    put_notebook(hub, user.name, token, kernel)
    open_in_lab(page, hub, user.name, NOTEBOOK)
    context = page.context
    run_and_close_at_line_3(page, ready)

    # No tab is open now: the server alone carries the cell's output to the file.
    wait_for(lambda: saved_lines(hub, user.name, token)[1] is not None, 120, "the cell to end, its count saved")
    lines, count = saved_lines(hub, user.name, token)
    assert lines == LINES and count == 1, json.dumps([lines, count])

    again = context.new_page()
    open_in_lab(again, hub, user.name, NOTEBOOK)
    output = again.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first.locator(".jp-OutputArea")
    expect(output).to_contain_text("line 20", timeout=60_000)
    assert output.inner_text().split() == " ".join(LINES).split(), output.inner_text()


def test_a_running_cells_output_survives_a_closed_tab(hub, admin, new_page):
    ivy = make_user(hub, admin, "ivy")
    page = new_page("en-US")
    page.goto(f"{hub.url}/hub/login")
    submit_login(page, ivy)
    outputs_survive_a_closed_tab(hub, page, ivy)
