"""Each analytics page renders for the people allowed to see it and refuses
everyone else with one line (403 or 404): a learner sees only their own page,
a tutor their courses and their learners' records in those courses only, an
admin everything including the platform. In-process (service.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from .service import execution, notebook_order, one_line, page_table

NB = "courses/c1/notebooks/lesson1.ipynb"


@pytest.fixture
def world(analytics):
    """ann runs cells a, b (b fails once) of c1's lesson1; bob runs a; cat runs c2's intro and a scratch notebook."""
    order = notebook_order(["a", "b", "c"])
    r = analytics.post_records("ann", [order, execution(cell="a"), execution(cell="b", status="error"),
                                       execution(cell="b")])
    assert r.status_code == 200 and r.json() == {"accepted": 4, "duplicates": 0}, r.text
    assert analytics.post_records("bob", [notebook_order(["a", "b", "c"]), execution(cell="a")]).status_code == 200
    assert analytics.post_records("cat", [execution(course="c2", notebook="intro.ipynb", cell="x"),
                                          execution(course=None, notebook=None, cell=None)]).status_code == 200
    analytics.store.record_poll(datetime.now(UTC), ["ann", "bob"], 2, 1, {"1.0": 1.0, "5.0": 2.0, "+Inf": 2.0})
    return analytics


def get(service, user, page, **kwargs):
    return service.session(user).get(service.url + page, timeout=30, allow_redirects=False, **kwargs)


ALLOWED = [
    ("", ["ann", "bob", "cat", "tina", "tom", "root"]),
    ("learners/ann", ["ann", "tina", "root"]),
    ("learners/cat", ["cat", "tina", "tom", "root"]),
    ("courses/c1", ["tina", "root"]),
    ("courses/c2", ["tom", "root"]),
    (NB, ["tina", "root"]),
    ("platform", ["root"]),
]


@pytest.mark.parametrize(("page", "allowed"), ALLOWED)
def test_each_page_is_for_its_viewers_only(world, page, allowed):
    for user in ("ann", "bob", "cat", "tina", "tom", "root"):
        r = get(world, user, page)
        if user in allowed:
            assert r.status_code == 200, (user, page, r.status_code, r.text[:300])
            assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        else:
            assert r.status_code == 403, (user, page, r.status_code)
            assert len(one_line(r)) > 10 and "\n" not in one_line(r)


def test_the_home_page_lists_what_the_viewer_may_open(world):
    ann = get(world, "ann", "").text
    assert "learners/ann" in ann and "courses/c1" not in ann and "platform" not in ann
    tina = get(world, "tina", "").text
    assert 'data-course="c1"' in tina and 'data-course="c2"' not in tina and "platform-link" not in tina
    root = get(world, "root", "").text
    assert 'data-course="c1"' in root and 'data-course="c2"' in root and "platform-link" in root


def test_a_tutor_sees_a_learners_records_of_their_own_courses_only(world):
    # cat learns c1 and c2: tina (c1) sees only c1's records, tom (c2) only c2's, root (an admin, tutor of
    # every course) the courses' records but not cat's own notebook outside them, cat all three
    def courses(user):
        rows = page_table(get(world, user, "learners/cat").text, "notebooks")[1:]
        return sorted(row[1] for row in rows)

    assert courses("tina") == []  # cat ran nothing in c1: nothing of c2 shows
    assert courses("tom") == ["c2"]
    assert courses("cat") == ["", "c2"] and courses("root") == ["c2"]
    assert "scratch.ipynb" not in get(world, "tom", "learners/cat").text
    assert "scratch.ipynb" not in get(world, "root", "learners/cat").text
    assert "scratch.ipynb" in get(world, "cat", "learners/cat").text


def test_the_notebook_page_counts_executions_reach_and_errors(world):
    html = get(world, "tina", NB).text
    rows = {row[1]: row for row in page_table(html, "cells")[1:]}
    # position, cell, executions, learners, reached, errors, error rate
    assert rows["a"][2:] == ["2", "2", "2", "0", "0.0%"]
    assert rows["b"][2:] == ["2", "1", "1", "1", "50.0%"]
    assert html.count("<svg") == 3 and "Executions per cell" in html and "Error rate per cell" in html


def test_the_platform_folds_each_table_under_its_chart(world):
    # 30 days and 48 hours as rows would make the page metres long: each table is folded (native
    # <details>, no script) under its chart, with its row count and CSV link in sight
    html = get(world, "root", "platform").text
    sections = re.findall(r'<section[^>]*id="table-(\w+)"[^>]*>(.*?)</section>', html, re.S)
    assert [name for name, _ in sections] == ["daily", "hourly", "servers", "spawns"]
    rows = {"daily": 30, "hourly": 48, "servers": 1, "spawns": 30}
    for name, body in sections:
        details = re.search(r"<details([^>]*)>\s*<summary>(.*?)</summary>(.*?)</details>", body, re.S)
        assert details and " open" not in details[1], name
        assert body.index('class="campushub-chart"') < details.start()  # the chart comes first
        assert f'data-table="{name}"' in details[3] and len(page_table(body, name)) == rows[name] + 1
        assert f"table, rows: {rows[name]}" in details[2]
        assert f"csv={name}" in body[details.end():]  # the download link is outside the fold
    assert "table, rows:" not in get(world, "tina", NB).text  # short tables elsewhere stay open
    ja = get(world, "root", "platform", headers={"Accept-Language": "ja"}).text
    assert "表・48 行" in ja and "table, rows" not in ja


def test_a_platform_without_polls_says_so_instead_of_drawing_zeros(analytics):
    html = get(analytics, "root", "platform").text
    assert "<svg" not in html and html.count("campushub-chart-empty") == 4
    # each chart's note, and the servers table's empty row (the other tables list each day or hour)
    assert html.count("No hub polls recorded in this period.") == 4 + 1
    # polls but no spawn in the period: the spawn chart says that, not that nothing was polled
    analytics.store.record_poll(datetime.now(UTC), ["ann"], 1, 0, None)
    html = get(analytics, "root", "platform", headers={"Accept-Language": "ru"}).text
    assert html.count("<svg") == 3 and "За этот период не запускался ни один сервер." in html


def test_pages_are_translated(world):
    r = get(world, "root", "platform", headers={"Accept-Language": "ja"})
    assert r.status_code == 200 and "プラットフォーム" in r.text and "日次アクティブユーザー" in r.text
    r = get(world, "ann", "courses/c1", headers={"Accept-Language": "ru"})
    assert r.status_code == 403 and "преподаватели" in one_line(r)


def test_unknown_course_notebook_and_page_answer_404_in_one_line(world):
    for user, page in (("root", "courses/nope"), ("tina", "courses/c1/notebooks/never.ipynb"),
                       ("ann", "no/such/page")):
        r = get(world, user, page)
        assert r.status_code == 404, (page, r.status_code)
        one_line(r)


def test_signed_out_and_service_tokens_see_no_page(world):
    r = world.session(None).get(world.url + "learners/ann", timeout=30, allow_redirects=False)
    assert r.status_code in (302, 403) and "ann" not in r.text
    r = world.session(None).get(world.url + "platform", headers={"Authorization": "token nobody"}, timeout=30,
                                allow_redirects=False)
    assert r.status_code in (302, 403)


def test_a_tutor_trying_the_notebook_is_not_counted_as_a_learner(world):
    # tina tutors c1: her runs of lesson1 (one an error) are hers, not the course's learners'
    r = world.post_records("tina", [execution(cell="a", status="error"), execution(cell="c")])
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    rows = {row[1]: row for row in page_table(get(world, "tina", NB).text, "cells")[1:]}
    assert rows["a"][2:] == ["2", "2", "2", "0", "0.0%"] and rows["c"][2:] == ["0", "0", "0", "0", "0.0%"]
    course = page_table(get(world, "tina", "courses/c1").text, "notebooks")[1:]
    assert [row[:5] for row in course] == [["lesson1.ipynb", "3", "2", "4", "1"]]
    assert "lesson1.ipynb" in get(world, "tina", "learners/tina").text  # still on her own page


def test_a_slow_page_query_holds_up_no_other_page(world):
    """The store's queries run in worker threads: while one notebook page waits on its query, the
    service's single event loop still answers everyone else (a big course must not freeze the service)."""
    import threading

    release, entered = threading.Event(), threading.Event()
    real = world.store.notebook_stats

    def held(*args):
        entered.set()
        assert release.wait(60), "the test never released the held query"
        return real(*args)

    world.store.notebook_stats = held
    slow = {}
    first = threading.Thread(target=lambda: slow.setdefault("r", get(world, "tina", NB)))
    first.start()
    try:
        assert entered.wait(30), "the notebook page never queried the store"
        other = get(world, "ann", "learners/ann")  # answered while the first query is still held
        assert other.status_code == 200 and "r" not in slow
    finally:
        release.set()
        first.join(60)
        world.store.notebook_stats = real
    assert slow["r"].status_code == 200
