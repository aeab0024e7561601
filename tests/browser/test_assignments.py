"""An assignment from start to end in a real browser, on a real hub with the
assignments service that `campushub up` starts:

1. a tutor of the course creates ps1 on the web page from the fixture
   folder (tests/assignments/fixtures/ps1) as a draft, then releases it;
2. the learner fetches it into their home, edits it in JupyterLab and submits
   twice: with JupyterLab's "Submit assignment" button, then with "Submit from
   my files" on the assignments page: two versions;
3. autograding runs (the page is reloaded until the status says so);
4. the tutor grades the manual cells and asks for a resubmission, with a reason;
5. the learner sees the reason, edits again and uploads the notebooks on the
   page: version 3;
6. the tutor grades it and releases feedback;
7. the learner reads the feedback (no hidden test in it);
8. the grades CSV has the learner's row with those points.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..conftest import COURSE_PREFIX, make_user
from ..harness import Browserless, add_people
from .assignments_flow import (
    LAB_TIMEOUT,
    SERVICE,
    home,
    notebook,
    open_in_lab,
    save_and_wait,
    set_cell,
    sign_in,
    step,
    toast,
    wait_status,
)

pytestmark = pytest.mark.browser
COURSE = "prog1"
FIXTURE = Path(__file__).parents[1] / "assignments" / "fixtures" / "ps1"
HIDDEN = "HIDDEN-SQUARES-ZERO"  # a hidden test's text in the source: never in what the learner gets

SQUARES = 'def squares(n):\n    """Return [1, 4, 9, ..., n**2]."""\n    return [i * i for i in range(1, n + 1)]\n'
MEAN = ("def column_mean(path):\n    with open(path, newline=\"\") as f:\n"
        "        values = [float(row[\"value\"]) for row in csv.DictReader(f)]\n    return sum(values) / len(values)\n")
CLAMP = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"
FIZZ = "def fizz(n):\n    return 'fizz' if n % 3 == 0 else str(n)\n"
EXPLAIN = "There are no numbers from 1 to 0, so there is nothing to square."
REASON = "Please explain squares(0) in your own words."


@pytest.fixture(scope="module")
def hub(course_hub):
    """The course hub (tests/conftest.py): course prog1, autograding within 120 s."""
    return course_hub


@pytest.fixture(scope="module")
def people(hub):
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    tina, lena = make_user(hub, admin, "tina"), make_user(hub, admin, "lena")
    add_people(hub, {"tina": "prog1-tutors", "lena": "prog1-learners"})
    yield tina, lena
    hub.api("DELETE", "users/lena/server")  # nobody else stops it before the course hub's `down`


def test_assignment_from_release_to_feedback(hub, people, new_page):
    tina, lena = people
    course = f"{hub.url}{SERVICE}course/{COURSE}/"
    mine = f"{course}a/ps1/"  # the learner's page of ps1; the tutor's gradebook at the same address
    tutor, learner = new_page(), new_page()

    with step("1 (tutor creates and releases ps1)", tutor):
        sign_in(tutor, hub, tina, f"{SERVICE}course/{COURSE}/")
        expect(tutor.locator("#new-assignment")).to_be_visible()
        tutor.click("#new-assignment")
        tutor.fill("#name", "ps1")
        tutor.fill("#title", "Problem set 1")
        tutor.set_input_files("#folder", FIXTURE)  # the folder upload keeps data/numbers.csv in its folder
        expect(tutor.locator("#release")).not_to_be_checked()
        tutor.locator("#new-assignment-form button[type=submit]").click()
        row = tutor.locator('#course-assignments tr[data-assignment="ps1"]')
        expect(row).to_contain_text("Draft")
        row.locator("button.release").click()
        expect(tutor.locator("#notice")).to_contain_text("ps1 was released")
        expect(row).to_contain_text("Released")

    with step("2 (learner fetches, edits, submits twice)", learner):
        sign_in(learner, hub, lena)  # to JupyterLab: the learner's server starts
        expect(learner.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
        learner.goto(f"{hub.url}{SERVICE}")
        learner.locator(f'#course-{COURSE} tr[data-assignment="ps1"] a').click()
        expect(learner.locator("#versions")).to_contain_text("You have not submitted")
        learner.click("#fetch")
        learner.get_by_role("button", name="Fetch assignment").click()  # the confirm page on the learner's server
        notebook(learner)  # fetch opens the first notebook in JupyterLab
        folder = home("lena", COURSE_PREFIX) / "assignments" / COURSE / "ps1"
        assert (folder / "data" / "numbers.csv").read_text() == (FIXTURE / "data" / "numbers.csv").read_text()
        assert HIDDEN not in (folder / "problem1.ipynb").read_text()
        assert "BEGIN SOLUTION" not in (folder / "problem1.ipynb").read_text()

        open_in_lab(learner, hub, "lena", f"assignments/{COURSE}/ps1/problem1.ipynb")
        set_cell(learner, 3, SQUARES)
        save_and_wait(learner, folder / "problem1.ipynb", "range(1, n + 1)")
        learner.locator(".campushub-submit-assignment").first.click()  # JupyterLab's "Submit assignment"
        expect(toast(learner, r"version 1\b")).to_be_visible(timeout=60_000)

        set_cell(learner, 6, MEAN)
        set_cell(learner, 9, CLAMP)
        save_and_wait(learner, folder / "problem1.ipynb", "csv.DictReader", "max(lo, min(x, hi))")
        open_in_lab(learner, hub, "lena", f"assignments/{COURSE}/ps1/problem2.ipynb")
        set_cell(learner, 3, FIZZ)
        save_and_wait(learner, folder / "problem2.ipynb", "'fizz' if n % 3")
        learner.goto(mine)
        learner.click("#submit-from-files")
        learner.get_by_role("button", name="Submit assignment").click()
        expect(learner.locator(".alert-success")).to_contain_text("version 2")
        learner.goto(mine)
        expect(learner.locator("#versions tbody tr")).to_have_count(2)

    with step("3 (autograding)", learner):
        wait_status(learner, mine, 2, {"autograded"})
        wait_status(learner, mine, 1, {"autograded"})
        # No score for the learner before feedback: manual points may still change it.
        expect(learner.locator('#versions tr[data-version="2"] .score')).to_have_text("")

    with step("4 (tutor grades, asks for a resubmission)", tutor):
        tutor.goto(mine)
        gradebook_row = tutor.locator('#gradebook tr[data-learner="lena"]')
        expect(gradebook_row).to_contain_text("Autograded")
        gradebook_row.get_by_role("link", name="lena").click()
        expect(tutor.locator("#versions li")).to_have_count(2)
        cell = tutor.locator(".grade-cell[data-grade-id=test_squares]")
        expect(cell).to_contain_text("passed")
        expect(tutor.locator(".grade-cell[data-grade-id=test_clamp]")).to_contain_text("3 / 3")
        tutor.locator(".page-link", has_text="1").click()  # version 1: only squares was answered
        expect(tutor.locator(".grade-cell[data-grade-id=test_column_mean]")).to_contain_text("failed")
        tutor.locator(".page-link", has_text="2").click()
        tutor.select_option("#diff", "1")
        tutor.locator("#diff-form button[type=submit]").click()
        expect(tutor.locator("#diff .diff-cell").first).to_contain_text("column_mean")  # what changed from 1 to 2
        grade(tutor, {"explain": ("0", "Not answered yet."), "fizz": ("1", "Right."), "plot_task": ("0", "")})
        expect(tutor.get_by_text("Grades saved.")).to_be_visible()
        tutor.fill("#reason-input", REASON)
        tutor.locator("#resubmission-form button[type=submit]").click()
        expect(tutor.locator("#status")).to_have_text("Resubmission requested")

    with step("5 (learner sees the reason, resubmits)", learner):
        learner.goto(mine)
        row = learner.locator('#versions tr[data-version="2"]')
        expect(row).to_have_attribute("data-status", "resubmission_requested")
        expect(row.locator(".reason")).to_contain_text(REASON)
        open_in_lab(learner, hub, "lena", f"assignments/{COURSE}/ps1/problem2.ipynb")
        set_cell(learner, 2, EXPLAIN)
        save_and_wait(learner, folder / "problem2.ipynb", EXPLAIN)
        learner.goto(mine)
        learner.locator("details summary").click()
        learner.set_input_files("#upload-form #files", [folder / "problem1.ipynb", folder / "problem2.ipynb"])
        learner.locator("#upload-form button[type=submit]").click()
        expect(learner.locator("#notice")).to_contain_text("version 3")
        wait_status(learner, mine, 3, {"autograded"})

    with step("6 (tutor grades version 3, releases feedback)", tutor):
        tutor.goto(mine)
        tutor.locator('#gradebook tr[data-learner="lena"]').get_by_role("link", name="lena").click()
        expect(tutor.locator("#versions li.active")).to_have_text("3")
        grade(tutor, {"explain": ("2", "Well explained."), "fizz": ("1", "Right."), "plot_task": ("1", "Axes?")})
        expect(tutor.get_by_text("Grades saved.")).to_be_visible()
        expect(tutor.locator("#total")).to_have_text("12")
        tutor.locator("#feedback-form button[type=submit]").click()
        expect(tutor.get_by_text("Feedback released to the learner.")).to_be_visible()

    with step("7 (learner reads the feedback)", learner):
        learner.goto(mine)
        row = learner.locator('#versions tr[data-version="3"]')
        expect(row).to_have_attribute("data-status", "feedback_returned")
        row.get_by_role("link", name="Read feedback").click()
        body = learner.locator("body")
        expect(body).to_contain_text("Well explained.")
        expect(body).to_contain_text("assert squares(3) == [1, 4, 9]")  # the visible test is shown
        text = learner.content()
        assert HIDDEN not in text and "BEGIN HIDDEN TESTS" not in text
        learner.goto(f"{hub.url}{SERVICE}")
        expect(learner.locator(f'#course-{COURSE} tr[data-assignment="ps1"] .score')).to_contain_text("12")

    with step("8 (grades CSV)", tutor):
        response = tutor.request.get(f"{course}grades.csv")
        assert response.status == 200, response.text()[:300]
        rows = list(csv.DictReader(io.StringIO(response.text())))
        mine_row = [r for r in rows if r["learner"] == "lena" and r["assignment"] == "ps1"]
        assert len(mine_row) == 1, rows
        assert {k: mine_row[0][k] for k in ("version", "auto", "manual", "total", "max", "status", "late")} == {
            "version": "3", "auto": "8", "manual": "4", "total": "12", "max": "13",
            "status": "feedback_returned", "late": "false"}, mine_row


def grade(page, marks: dict[str, tuple[str, str]]) -> None:
    """Manual points and comments on the submission page, then Save grades."""
    for grade_id, (points, comment) in marks.items():
        cell = page.locator(f".grade-cell[data-grade-id={grade_id}]")
        cell.locator("input[name=points]").fill(points)
        cell.locator("textarea[name=comment]").fill(comment)
    page.locator("#grade-form button[type=submit]").click()
