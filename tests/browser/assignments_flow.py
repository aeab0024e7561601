"""What test_assignments.py does in pages: signing in, editing cells in
JupyterLab, and waiting (with a deadline) for a version's status.

Learners edit through JupyterLab's own editor and save with its shortcut;
the test reads the saved file back only to know the save has landed.
"""

from __future__ import annotations

import pwd
import re
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect

from campushub.deploy.local.spawner.unix_users import unix_name

from ..harness import save_artifact, wait_for

LAB_TIMEOUT = 180_000  # ms: a first spawn creates the unix account, then starts Lab
SERVICE = "/services/assignments/"


@contextmanager
def step(name: str, *pages):
    """Name the step of the flow a failure happened in (and screenshot its pages)."""
    try:
        yield
    except Exception as e:
        for i, page in enumerate(pages):
            save_artifact(f"assignments-{name.split()[0]}-{i}.png", page.screenshot(full_page=True))
        raise AssertionError(f"step {name}: {type(e).__name__}: {e}") from e


def sign_in(page, hub, user, next_path: str = "") -> None:
    page.goto(f"{hub.url}/hub/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username_input", user.name)
    page.fill("#password_input", user.password)
    page.click("#login_submit")


def home(user: str, prefix: str) -> Path:
    return Path(pwd.getpwnam(unix_name(user, prefix)).pw_dir)


def notebook(page):
    # The notebook in the current tab: JupyterLab keeps other tabs' notebooks in the
    # page (hidden by class, which Playwright may still count as visible).
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(panel).to_be_visible(timeout=LAB_TIMEOUT)
    return panel


def open_in_lab(page, hub, user: str, path: str):
    # ?reset: a fresh workspace, so the notebook opened before is not restored beside this one (the edits of
    # set_cell once went to it while JupyterLab was still switching tabs); then wait until this one is current
    page.goto(f"{hub.url}/user/{user}/lab/tree/{path}?reset")
    name = path.rsplit("/", 1)[-1]
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")).to_have_text(
        name, timeout=LAB_TIMEOUT)
    panel = notebook(page)
    expect(panel).to_have_count(1)
    return panel


def set_cell(page, index: int, text: str) -> None:
    """Replace cell `index`'s source the way a person does: into the cell's
    editor, select all, type (inserted at once: no auto-indent to fight)."""
    cell = notebook(page).locator(".jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    if "jp-MarkdownCell" in (cell.get_attribute("class") or ""):
        cell.dblclick()  # a rendered markdown cell opens its editor on double click
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    expect(editor).to_contain_text(text.splitlines()[0])
    page.keyboard.press("Escape")


def save_and_wait(page, saved_file: Path, *texts: str) -> None:
    """JupyterLab's save shortcut; done when the file on disk holds `texts`."""
    page.keyboard.press("Control+s")
    wait_for(lambda: all(t in saved_file.read_text() for t in texts), 60, f"{saved_file.name} to be saved")


def version_status(page, url: str, number: int) -> str | None:
    page.goto(url)
    row = page.locator(f'#versions tr[data-version="{number}"]')
    return row.get_attribute("data-status") if row.count() else None


def wait_status(page, url: str, number: int, wanted: set[str], timeout: float = 300) -> str:
    """Reload the learner's assignment page until version `number` has one of `wanted`."""
    def reached():
        status = version_status(page, url, number)
        if status in wanted:
            return status
        if status in (None, "submitted", "autograding"):
            return False
        raise AssertionError(f"version {number} went to {status!r}, expected one of {sorted(wanted)}")
    return wait_for(reached, timeout, f"version {number} to reach {sorted(wanted)}", interval=1)


def toast(page, pattern: str):
    return page.locator(".Toastify__toast, .jp-toast-message").filter(has_text=re.compile(pattern)).first
