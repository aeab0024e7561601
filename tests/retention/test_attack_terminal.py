"""Names a learner chose (their files, a hub name) reach the operator's terminal in
retention's messages and tables: raw, an escape sequence among them drives the
terminal (clear it, rewrite what the table said, OSC 52: put a command on the
clipboard) and a line break splits the "one line". They are shown as escapes."""

from __future__ import annotations

import errno
import io

from rich.console import Console

from campushub.cli import retention_show as show
from campushub.retention.backend import explain

CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x1b\\"  # OSC 52: "rm -rf ~" onto the operator's clipboard
CLEAR = "\x1b[2J"


def _rendered(draw) -> str:
    out = io.StringIO()
    draw(Console(file=out, force_terminal=True, highlight=False, soft_wrap=True, width=400))
    return out.getvalue()


def test_a_file_name_with_escapes_is_one_printable_line_in_messages():
    error = OSError(errno.EACCES, "a file of another account", f"/home/jupyter-eve/{CLEAR}x\n{CLIPBOARD}")
    text = explain(error)
    assert "\x1b" not in text and "\n" not in text
    assert "\\x1b[2J" in text  # still says what the name is


def test_the_audit_log_table_shows_no_escape_sequences():
    lines = [{"time": "2026-12-01T08:00:00Z", "action": "failed", "user": f"eve{CLEAR}", "by": "root",
              "step": "archive", "why": f"changed while it was archived: /home/jupyter-eve/{CLIPBOARD}"}]
    out = _rendered(lambda console: show.log(console, lines))
    assert CLIPBOARD not in out and CLEAR not in out and "\x1b]" not in out
    assert "eve" in out


def test_the_results_table_shows_no_escape_sequences():
    rows = [{"user": f"eve{CLEAR}", "outcome": "failed", "step": "archive", "why": f"x {CLIPBOARD}",
             "archive": "/srv/archive/eve.tar.gz"}]
    out = _rendered(lambda console: show.results(console, rows))
    assert CLIPBOARD not in out and CLEAR not in out and "\x1b]" not in out
