"""`campushub assignment create SOURCE_DIR --course C`: check an nbgrader
source folder, make its student version and hand it to the assignments
service, which stores it (and releases it unless --no-release).

Validation happens here first so that a mistake is one line on the
instructor's terminal with nothing uploaded; the service checks again (it
trusts no client). Messages are English, like every other CLI command.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..content.check.outcome import clean
from . import assignment_upload, target
from .main import CommandError

COURSE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # the schema's courses keys
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # the store's assignment names
BAD_INPUT = 2


def register(sub) -> None:
    p = sub.add_parser("assignment", help="nbgrader-format assignments: create and release")
    actions = p.add_subparsers(dest="assignment_command", required=True, metavar="ACTION")
    c = actions.add_parser(
        "create", help="validate a source folder, make the student version and release it to a course",
        description="Validate an nbgrader source folder (notebooks plus data files), make the student version "
                    "(solutions stripped, hidden tests removed, cells locked, checksums added) and create the "
                    "assignment in the assignments service, released to the course's learners unless --no-release. "
                    "The token: $CAMPUSHUB_API_TOKEN (a course tutor's API token from the hub's Token page, or the "
                    "campushub-automation service's), else, on the hub's machine as root, the site's own CLI token. "
                    "Exit status: 0 created (or written with --dry-run), 2 the source or an option is wrong "
                    "(nothing created), 1 the service refused or could not be reached.")
    c.add_argument("source", metavar="SOURCE_DIR", help="folder of source notebooks in nbgrader's format")
    c.add_argument("--course", required=True, help="course short name, as in campushub.yaml's courses")
    c.add_argument("--name", help="assignment name (default: the folder's name)")
    c.add_argument("--title", help="title learners see (default: the name)")
    c.add_argument("--due", metavar="ISO8601", help="due date, e.g. 2026-12-24T18:00+09:00 (UTC if no zone)")
    c.add_argument("--no-release", action="store_true", help="create it without releasing it to learners yet")
    c.add_argument("--url", metavar="SERVICE_URL",
                   help="the assignments service (default: the local site's {public url}{base_url}services/"
                        "assignments/)")
    c.add_argument("--dry-run", metavar="DIR",
                   help="write the student version into DIR (new or empty) instead of uploading anything")
    target.add_arguments(c)
    c.set_defaults(func=_create)


def parse_due(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--due {clean(text, False)!r}: give a date like 2026-12-24T18:00+09:00 "
                           "(ISO 8601; UTC if no zone)", BAD_INPUT) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _arguments(args) -> tuple[Path, str, str, datetime | None]:
    folder = Path(args.source)
    name = args.name or folder.resolve().name
    if not COURSE.match(args.course):
        raise CommandError(f"--course {clean(args.course, False)!r}: give a course's short name "
                           "(lowercase letters, digits and -)", BAD_INPUT)
    if not NAME.match(name):
        raise CommandError(f"assignment name {clean(name, False)!r}: use letters, digits, dot, dash and underscore "
                           "(up to 128); give --name", BAD_INPUT)
    if args.title is not None and not args.title.strip():
        raise CommandError("--title is empty: give a title or leave the option out", BAD_INPUT)
    return folder, name, (args.title or name).strip(), parse_due(args.due)


def _create(args) -> int:
    # nbgrader and nbconvert take seconds to import: only this command pays for them (tests/cli/test_light_start.py)
    from ..assignments.format.errors import AssignmentError
    from ..assignments.format.release import checked, make_release
    from ..assignments.format.source import load_source

    folder, name, title, due = _arguments(args)
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
        step = progress.add_task("Validating the source notebooks", total=None)
        try:
            source = load_source(folder)
            for path, data in sorted(source.notebooks.items()):
                progress.update(step, description=f"Validating {escape(path)}")
                checked(path, data)
            progress.update(step, description="Validated", total=1, completed=1)
            step = progress.add_task("Generating the student version", total=None)
            release = make_release(source)
            progress.update(step, total=1, completed=1)
        except AssignmentError as e:
            raise CommandError(e.message("en"), BAD_INPUT) from None
        if args.dry_run:
            written = assignment_upload.write_student(Path(args.dry_run), release.student)
            progress.update(step, description=f"Student version written to {escape(str(written))}")
        else:
            step = progress.add_task("Uploading to the assignments service", total=None)
            where, token = assignment_upload.service(args)
            answer = assignment_upload.create(where, token, args.course, {
                "name": name, "title": title, "due": due.isoformat() if due else None,
                "release": not args.no_release}, source)
            progress.update(step, description="Uploaded", total=1, completed=1)
    cells = sum(len(v) for v in release.grade_cells.values())
    summary = (f"{name}: {len(source.notebooks)} notebook(s), {len(source.files)} data file(s), "
               f"{cells} graded or answer cells, {release.max_points:g} points")
    if args.dry_run:
        print(f"{summary}; student version in {written} (nothing uploaded)")
    else:
        released = "released to its learners" if answer.get("released") else "not released yet"
        print(f"{summary}; created in course {args.course}, {released}")
        if answer.get("message"):
            print(clean(str(answer["message"]), False))
    sys.stdout.flush()
    return 0
