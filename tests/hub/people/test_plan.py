"""The plan an import carries out (and a dry run shows): only what the file says changes."""

from __future__ import annotations

from campushub.hub.people.csvfile import Problem, Row
from campushub.hub.people.plan import Person, plan, summary

NOW = {"ann": Person(admin=False, groups=frozenset({"old", "ml"}), display_name="Ann"),
       "boss": Person(admin=True, groups=frozenset(), display_name="")}


def no_problem(line, name):
    return None


def outcomes(steps):
    return {s.username: (s.outcome, s.english()) for s in steps}


def test_new_people_are_created_and_existing_ones_only_gain_what_the_file_adds():
    rows = [Row(2, "ann", "Ann", ("ml", "new"), None), Row(3, "boss", None, None, None),
            Row(4, "cid", "Cid", ("ml",), True)]
    steps, problems = plan(rows, NOW, no_problem)
    assert not problems
    assert outcomes(steps) == {"ann": ("updated", ["+new"]), "boss": ("unchanged", []),
                               "cid": ("created", ["admin: true", "+ml", "display name: Cid"])}
    assert summary(steps, problems) == {"created": 1, "updated": 1, "unchanged": 1, "errors": 0}


def test_sync_groups_removes_only_the_listed_peoples_other_groups():
    steps, _ = plan([Row(2, "ann", None, ("ml",), None)], NOW, no_problem, sync_groups=True)
    assert (steps[0].add_groups, steps[0].remove_groups) == ((), ("old",))
    steps, _ = plan([Row(2, "ann", None, None, None)], NOW, no_problem, sync_groups=True)
    assert steps[0].outcome == "unchanged"  # no groups column: nothing to sync to


def test_an_empty_admin_keeps_the_flag_and_false_removes_it():
    steps, _ = plan([Row(2, "boss", None, None, None)], NOW, no_problem)
    assert steps[0].admin is None
    steps, _ = plan([Row(2, "boss", None, None, False)], NOW, no_problem)
    assert steps[0].admin is False and steps[0].outcome == "updated"


def test_bad_names_and_second_lines_of_one_person_are_refused():
    def check(line, name):
        return Problem(line, "bad {username}", {"username": name}) if " " in name else None

    rows = [Row(2, "ann", None, None, None), Row(3, "a b", None, None, None), Row(5, "ann", "Other", None, None)]
    steps, problems = plan(rows, NOW, check)
    assert [s.line for s in steps] == [2]
    assert [(p.line, p.english()) for p in problems] == [
        (3, "bad a b"), (5, '"ann" is already on line 2: give each person one line.')]
