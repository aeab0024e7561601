"""Attack: a learner names notebooks and cell ids (they control both: the file
name, and the cell id in the notebook's JSON) so that the tutors' pages, the
SVG charts' hover titles and the CSV downloads run them as markup or formulas.
Held: every page escapes them and the CSV defuses them."""

from __future__ import annotations

import csv
import io

from ..web.service import execution, notebook_order

CELL = '</title><script>alert(1)</script>'
NOTEBOOK = '"><svg onload=alert(1)><a href="javascript:x">.ipynb'
MARKERS = ("<script>alert", "<svg onload", 'href="javascript:', "</title><script")


def test_markup_in_names_is_text_on_every_page(analytics):
    batch = [notebook_order([CELL, "b"], notebook=NOTEBOOK), execution(notebook=NOTEBOOK, cell=CELL, status="error"),
             execution(notebook=NOTEBOOK, cell="=cmd|' /C calc'!A0")]
    assert analytics.post_records("ann", batch).status_code == 200
    from urllib.parse import quote

    pages = [("tina", "courses/c1"), ("tina", f"courses/c1/notebooks/{quote(NOTEBOOK, safe='/')}"),
             ("tina", "learners/ann"), ("ann", "learners/ann")]
    for user, page in pages:
        r = analytics.session(user).get(analytics.url + page, timeout=30)
        assert r.status_code == 200, (page, r.text[:300])
        assert not [m for m in MARKERS if m in r.text], page
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        if page == pages[1][1]:  # shown, as text, in the table and the charts' hover titles
            assert r.text.count("&lt;/title&gt;&lt;script&gt;") >= 4 and "<svg" in r.text
    r = analytics.session("tina").get(analytics.url + pages[1][1], params={"csv": "cells"}, timeout=30)
    rows = list(csv.reader(io.StringIO(r.text)))
    assert {row[1] for row in rows[1:]} >= {CELL, "'=cmd|' /C calc'!A0"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
