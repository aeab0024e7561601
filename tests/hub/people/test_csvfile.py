"""The people CSV without a hub: what is read, what each bad line is told, and that export reads back."""

from __future__ import annotations

import pytest

from campushub.hub.people import csvfile
from campushub.hub.people.csvfile import FileProblem, Row


def parse(text: str):
    rows, problems = csvfile.parse(text)
    return rows, {p.line: p.english() for p in problems}


def test_a_spreadsheet_export_is_read_with_its_line_numbers():
    text = ('\ufeffUsername, Display_Name ,groups,ADMIN\r\nalice,"Doe, Alice","g1;g2;",yes\r\n\r\n'
            'bob,,,\r\ncarol,"Carol\r\nX",,\r\ndave,D,g1; g1 ,0\r\n')
    rows, problems = parse(text)
    assert rows == [Row(2, "alice", "Doe, Alice", ("g1", "g2"), True), Row(4, "bob", "", (), None),
                    Row(7, "dave", "D", ("g1",), False)]
    assert problems == {5: "The display_name value contains a line break or another control character."}


@pytest.mark.parametrize("line, message", [
    ("x,X,g,maybe", 'Admin must be true, false, yes, no, 1, 0 or empty, not "maybe".'),
    (",X,g,", "The username is empty: give every line a username."),
    ("x,X,g;;h,", "The groups value has an empty group name: separate groups with a single ';'."),
    ("x,X,g,,extra", "This line has 5 values but the header names 4 columns: quote values that contain a comma."),
    ("x," + "n" * 256 + ",g,", "The display_name value is longer than 255 characters."),
    ("x,X," + "g" * 256 + ",", "The groups value is longer than 255 characters."),
])
def test_each_bad_line_says_what_to_fix_and_the_others_are_kept(line, message):
    rows, problems = parse(f"username,display_name,groups,admin\nok1,,,\n{line}\nok2,,,\n")
    assert [r.username for r in rows] == ["ok1", "ok2"]
    assert problems == {3: message}


def test_columns_left_out_are_left_unchanged():
    rows, problems = parse("username,groups\nx,\ny,g\n")
    assert not problems
    assert rows == [Row(2, "x", None, (), None), Row(3, "y", None, ("g",), None)]


NO_HEADER = "The first line must be the header, with a username column: username, display_name, groups, admin."


@pytest.mark.parametrize("header, message", [
    ("name,groups", NO_HEADER),
    ("", NO_HEADER),
    ("username,email", 'Unknown column "email": the columns are username, display_name, groups, admin.'),
    ("username,groups,Groups", 'The column "groups" appears twice in the header.'),
])
def test_a_wrong_header_refuses_the_whole_file(header, message):
    with pytest.raises(FileProblem) as e:
        csvfile.parse(f"{header}\nx,y\n")
    assert (e.value.problem.line, str(e.value)) == (1, message)


def test_bytes_that_are_not_utf8_or_too_many_are_refused():
    with pytest.raises(FileProblem, match="not UTF-8"):
        csvfile.decode("username\nJosé\n".encode("latin-1"))
    with pytest.raises(FileProblem, match="larger than 5 MB"):
        csvfile.decode(b"x" * (csvfile.MAX_BYTES + 1))
    assert csvfile.decode("\ufeffusername\n".encode()) == "username\n"


def test_export_reads_back_as_the_same_people():
    people = [{"username": "b,odd", "display_name": 'Quote " and, comma', "groups": {"z", "a"}, "admin": True},
              {"username": "a", "display_name": "", "groups": (), "admin": False}]
    text = csvfile.dump(people)
    assert text.splitlines()[:2] == ["username,display_name,groups,admin", "a,,,false"]
    rows, problems = csvfile.parse(text)
    assert not problems
    assert rows == [Row(2, "a", "", (), False), Row(3, "b,odd", 'Quote " and, comma', ("a", "z"), True)]


def test_export_is_inert_in_a_spreadsheet_and_still_reads_back():
    # a sign-up name or display name chosen to run as a formula when an admin opens the export (CSV injection)
    people = [{"username": "=cmd|'/c calc'!a0", "display_name": "@SUM(1+1)", "groups": {"-x", "+y"}, "admin": False},
              {"username": "plain", "display_name": "'=already quoted", "groups": (), "admin": False}]
    text = csvfile.dump(people)
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(",")]
    assert not [cell for cell in cells if cell.lstrip('"')[:1] in ("=", "+", "-", "@")]
    rows, problems = csvfile.parse(text)
    assert not problems
    assert [(r.username, r.display_name, r.groups) for r in rows] == [
        ("=cmd|'/c calc'!a0", "@SUM(1+1)", ("+y", "-x")), ("plain", "'=already quoted", ())]
