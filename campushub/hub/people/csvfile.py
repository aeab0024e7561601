"""The people CSV: `username,display_name,groups,admin`, groups separated by ';'.

Only `username` is required in the header: a column left out is left
unchanged by an import (e.g. a file of names and groups keeps everyone's
admin flag). Parsing is pure; what is wrong is reported per line, with the
line number a spreadsheet shows (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ...i18n import N_

COLUMNS = ("username", "display_name", "groups", "admin")
TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0"}
MAX_BYTES = 5 * 1024 * 1024  # a class list, not a database dump
MAX_FIELD = 255  # JupyterHub's user and group name columns

NO_USERNAME_COLUMN = N_("The first line must be the header, with a username column: {columns}.")
UNKNOWN_COLUMN = N_("Unknown column \"{column}\": the columns are {columns}.")
REPEATED_COLUMN = N_("The column \"{column}\" appears twice in the header.")
TOO_MANY_FIELDS = N_("This line has {count} values but the header names {columns} columns: "
                     "quote values that contain a comma.")
NO_USERNAME = N_("The username is empty: give every line a username.")
BAD_ADMIN = N_("Admin must be true, false, yes, no, 1, 0 or empty, not \"{value}\".")
TOO_LONG = N_("The {column} value is longer than {limit} characters.")
CONTROL = N_("The {column} value contains a line break or another control character.")
EMPTY_GROUP = N_("The groups value has an empty group name: separate groups with a single ';'.")
SLASH_GROUP = N_("The group name \"{group}\" contains '/', which JupyterHub's group pages and API cannot address: "
                 "choose another name.")
NOT_TEXT = N_("The file is not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\".")
TOO_BIG = N_("The file is larger than {limit} MB: split it into smaller files.")
BAD_CSV = N_("The file is not valid CSV: {reason}.")


@dataclass(frozen=True)
class Problem:
    """A translatable message (its English source and placeholders) for one line."""
    line: int
    source: str
    params: dict

    def english(self) -> str:
        return self.source.format(**self.params)


@dataclass(frozen=True)
class Row:
    line: int
    username: str
    display_name: str | None  # None: the file has no such column, leave it
    groups: tuple[str, ...] | None
    admin: bool | None  # None: column missing or empty, leave it (new people: not admin)


def decode(data: bytes) -> str:
    """UTF-8 text (a spreadsheet's byte-order mark dropped), else a Problem on line 1."""
    if len(data) > MAX_BYTES:
        raise FileProblem(Problem(1, TOO_BIG, {"limit": MAX_BYTES // (1024 * 1024)}))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(Problem(1, NOT_TEXT, {})) from None


class FileProblem(ValueError):
    """The file as a whole cannot be read: nothing in it is applied."""

    def __init__(self, problem: Problem):
        super().__init__(problem.english())
        self.problem = problem


def parse(text: str) -> tuple[list[Row], list[Problem]]:
    """The well-formed rows and the problems of the others; a FileProblem if the header is wrong."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows, problems, header, end = [], [], None, 0
    try:
        for record in reader:
            line, end = end + 1, reader.line_num  # a record may span lines (quoted line breaks)
            if header is None:
                header = [h.strip().lower() for h in record]
                _check_header(header)
            elif any(field.strip() for field in record):  # skip blank lines, e.g. a spreadsheet's last
                try:
                    rows.append(_row(line, header, record))
                except LineProblem as e:
                    problems.append(e.problem)
    except csv.Error as e:
        raise FileProblem(Problem(reader.line_num, BAD_CSV, {"reason": str(e)})) from None
    if header is None:
        _check_header([])
    return rows, problems


def _check_header(header: list[str]) -> None:
    listed = ", ".join(COLUMNS)
    if "username" not in header:
        raise FileProblem(Problem(1, NO_USERNAME_COLUMN, {"columns": listed}))
    for i, column in enumerate(header):
        if column not in COLUMNS:
            raise FileProblem(Problem(1, UNKNOWN_COLUMN, {"column": column[:40], "columns": listed}))
        if column in header[:i]:
            raise FileProblem(Problem(1, REPEATED_COLUMN, {"column": column}))


class LineProblem(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(problem.english())
        self.problem = problem


def _row(line: int, header: list[str], record: list[str]) -> Row:
    if len(record) > len(header) and any(field.strip() for field in record[len(header):]):
        raise LineProblem(Problem(line, TOO_MANY_FIELDS, {"count": len(record), "columns": len(header)}))
    values = {column: _field(line, column, value) for column, value in zip(header, record, strict=False)}
    values.update({column: "" for column in header if column not in values})  # a short line
    if not values["username"]:
        raise LineProblem(Problem(line, NO_USERNAME, {}))
    return Row(line, values["username"], values.get("display_name"),
               _groups(line, values["groups"]) if "groups" in values else None,
               _admin(line, values["admin"]) if "admin" in values else None)


# A cell a spreadsheet would run as a formula (= + - @) is exported behind an
# apostrophe (OWASP's advice against CSV injection, as webservice/csv.py does)
# and read back without it, so an export still imports to the same people.
_FORMULA = re.compile(r"^'*[=+\-@]")
_DEFUSED = re.compile(r"^'+[=+\-@]")


def _defuse(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def _field(line: int, column: str, value: str) -> str:
    value = value.strip()
    if _DEFUSED.match(value):
        value = value[1:]
    if column != "groups" and len(value) > MAX_FIELD:
        raise LineProblem(Problem(line, TOO_LONG, {"column": column, "limit": MAX_FIELD}))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise LineProblem(Problem(line, CONTROL, {"column": column}))
    return value


def _groups(line: int, value: str) -> tuple[str, ...]:
    if not value:
        return ()
    names = [name.strip() for name in value.split(";")]
    if names[-1] == "":
        names.pop()  # "a;b;" as some tools write lists
    if any(not name for name in names):
        raise LineProblem(Problem(line, EMPTY_GROUP, {}))
    if any(len(name) > MAX_FIELD for name in names):
        raise LineProblem(Problem(line, TOO_LONG, {"column": "groups", "limit": MAX_FIELD}))
    # /hub/api/groups/{name} matches [^/]+: such a group could be made but never opened, emptied or deleted
    slashed = next((name for name in names if "/" in name), None)
    if slashed is not None:
        raise LineProblem(Problem(line, SLASH_GROUP, {"group": slashed[:40]}))
    return tuple(dict.fromkeys(names))  # a group named twice is one membership


def _admin(line: int, value: str) -> bool | None:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    if not lowered:
        return None
    raise LineProblem(Problem(line, BAD_ADMIN, {"value": value[:40]}))


def dump(people: list[dict]) -> str:
    """The CSV of [{username, display_name, groups, admin}], sorted by name, which parse() reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for person in sorted(people, key=lambda p: p["username"]):
        writer.writerow([_defuse(person["username"]), _defuse(person.get("display_name") or ""),
                         _defuse(";".join(sorted(person.get("groups") or ()))),
                         "true" if person.get("admin") else "false"])
    return out.getvalue()
