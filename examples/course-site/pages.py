"""HTML of the course site's pages. Every value that came from a person or a
file name goes through html.escape; lesson bodies are trusted files."""

from __future__ import annotations

import html
import re
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent / "lessons"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")


def lessons() -> dict[str, tuple[str, str]]:
    """slug -> (title, body), read on every request so edits show at once."""
    found = {}
    for path in sorted(LESSONS_DIR.glob("*.html")):
        if not _SLUG.match(path.stem):
            continue
        body = path.read_text(encoding="utf-8")
        m = _H1.search(body)
        title = html.unescape(_TAGS.sub("", m.group(1))).strip() if m else path.stem
        found[path.stem] = (title, body)
    return found


def _layout(title: str, main: str, *, user: str | None = None, csrf: str = "", wide: bool = False) -> str:
    nav = ""
    if user:
        nav = (f'<nav><a href="/lessons">Lessons</a><span class="who">Signed in as {html.escape(user)}</span>'
               f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{csrf}">'
               '<button type="submit" class="link">Sign out</button></form></nav>')
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)} · Campus Learn</title><link rel="stylesheet" href="/static/site.css">'
        f'</head><body><header><a class="brand" href="/">Campus Learn</a>{nav}</header>'
        f'<main class="{"wide" if wide else "narrow"}">{main}</main></body></html>\n'
    )


def sign_in(csrf: str, *, next_url: str = "", message: str = "", error: str = "", username: str = "") -> str:
    note = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    if message:
        note += f'<p class="notice">{html.escape(message)}</p>'
    main = (
        "<h1>Sign in</h1><p>Sign in to read the lessons and work in your own notebook beside them.</p>"
        f'{note}<form method="post" action="/login" class="card">'
        f'<input type="hidden" name="csrf" value="{csrf}">'
        f'<input type="hidden" name="next" value="{html.escape(next_url)}">'
        '<label>User name <input name="username" autocomplete="username" required '
        f'value="{html.escape(username)}"></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>'
        '<button type="submit">Sign in</button></form>'
    )
    return _layout("Sign in", main)


def lesson_list(user: str, csrf: str) -> str:
    items = "".join(f'<li><a href="/lessons/{slug}">{html.escape(title)}</a></li>'
                    for slug, (title, _) in lessons().items())
    main = f'<h1>Lessons</h1><ul class="lessons">{items or "<li>No lessons yet.</li>"}</ul>'
    return _layout("Lessons", main, user=user, csrf=csrf)


def lesson(title: str, body: str, notebook_src: str, user: str, csrf: str) -> str:
    main = (
        f'<article class="lesson">{body}</article>'
        f'<iframe id="notebook" title="Your notebook" src="{html.escape(notebook_src)}" '
        'allow="clipboard-read; clipboard-write; fullscreen"></iframe>'
    )
    return _layout(title, main, user=user, csrf=csrf, wide=True)


def message(title: str, text: str, *, link: str = "/", link_text: str = "Back to the start") -> str:
    main = (f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
            f'<p><a href="{html.escape(link)}">{html.escape(link_text)}</a></p>')
    return _layout(title, main)


def sign_out(csrf: str) -> str:
    main = ('<h1>Sign out</h1><p>Signing out also ends your notebook sign-in within a few minutes; '
            'your files stay as they are.</p>'
            f'<form method="post" action="/logout" class="card"><input type="hidden" name="csrf" value="{csrf}">'
            '<button type="submit">Sign out</button></form>')
    return _layout("Sign out", main)
