"""A group name with '/' in an imported file: JupyterHub would store it, but its
group URLs (/hub/api/groups/{name}, [^/]+) can never address it again, so no
admin could open, empty or delete that group. The line is refused."""

from __future__ import annotations

from campushub.hub.people.csvfile import parse
from campushub.i18n import translate


def test_a_group_name_with_a_slash_is_refused_and_the_other_lines_kept():
    rows, problems = parse("username,groups\nok1,ml101\nmallory,ml101;staff/../admins\nok2,\n")
    assert [r.username for r in rows] == ["ok1", "ok2"]
    (problem,) = problems
    assert problem.line == 3 and "staff/../admins" in problem.english() and "'/'" in problem.english()
    for lang in ("ja", "ru"):
        assert translate(lang, problem.source, **problem.params) != problem.english()
