"""The admin page of the import on a real hub: an admin imports with the form, the
POST needs the XSRF token, and nobody else gets the page, the export or the API."""

from __future__ import annotations

import pytest

from ...conftest import make_user
from ...harness import Browserless

PAGE = "/hub/campushub/users"


@pytest.fixture(scope="module")
def admin(people_hub):
    user = Browserless(people_hub, "admin", people_hub.admin_password)
    assert user.login().status_code == 302
    return user


@pytest.fixture(scope="module")
def learner(people_hub, admin):
    """Imported first, then signs up with a password and is approved: the account is theirs, groups waiting."""
    r = people_hub.api("POST", "campushub/users/import", data=b"username,groups\npagelearner,imported-group\n")
    assert r.json()["summary"]["created"] == 1
    user = make_user(people_hub, admin, "pagelearner")
    assert people_hub.api("GET", "users/pagelearner").json()["groups"] == ["imported-group"]
    return user


def exists(hub, name: str) -> bool:
    return hub.api("GET", f"users/{name}").status_code == 200


def test_an_admin_imports_with_the_form_and_sees_each_line(people_hub, admin):
    xsrf = admin._xsrf(PAGE)
    page = admin.session.get(people_hub.url + PAGE, timeout=30).text
    assert 'id="import-form"' in page and 'href="/hub/campushub/users">' in page  # and the nav link
    csv_text = "username,display_name,groups,admin\nadmin,Site Admin,,\nformuser,Form User,form-group,\nx y,,,\n"
    r = admin.session.post(people_hub.url + PAGE, data={"_xsrf": xsrf, "csv": csv_text}, timeout=60)
    assert r.status_code == 200
    assert "Created: 1, updated: 1, unchanged: 0, lines with errors: 1." in r.text
    assert '<tr data-line="4"><td>4</td><td>&#34;x y&#34; is not a valid user name' in r.text
    assert people_hub.api("GET", "users/formuser").json()["groups"] == ["form-group"]
    # the header shows the display name, the user name as its title
    home = admin.session.get(people_hub.url + "/hub/home", timeout=30).text
    assert '<span class="me-1" title="admin">Site Admin</span>' in home


def test_a_dry_run_from_the_form_changes_nothing(people_hub, admin):
    xsrf = admin._xsrf(PAGE)
    r = admin.session.post(people_hub.url + PAGE, timeout=60,
                           files={"file": ("c.csv", b"username\ndryformuser\n", "text/csv")},
                           data={"_xsrf": xsrf, "dry_run": "1"})
    assert r.status_code == 200 and "Dry run: nothing was changed." in r.text and 'data-outcome="created"' in r.text
    assert not exists(people_hub, "dryformuser")


def test_a_post_without_the_xsrf_token_is_refused(people_hub, admin):
    r = admin.session.post(people_hub.url + PAGE, data={"csv": "username\nforged1\n"}, timeout=30)
    assert r.status_code == 403
    # the API by cookie: a cross-site form cannot send JSON, and CSV is not taken from a cookie
    r = admin.session.post(people_hub.url + "/hub/api/campushub/users/import", data=b"username\nforged2\n",
                           headers={"Content-Type": "text/csv"}, timeout=30)
    assert r.status_code == 403
    assert not exists(people_hub, "forged1") and not exists(people_hub, "forged2")


def test_someone_who_is_not_an_admin_gets_403_everywhere(people_hub, learner):
    s = learner.session
    assert s.get(people_hub.url + PAGE, timeout=30).status_code == 403
    assert s.get(people_hub.url + PAGE + "/export", timeout=30).status_code == 403
    xsrf = learner._xsrf("/hub/home")
    r = s.post(people_hub.url + PAGE, data={"_xsrf": xsrf, "csv": "username,admin\npagelearner,true\n"}, timeout=30)
    assert r.status_code == 403
    assert people_hub.api("GET", "users/pagelearner").json()["admin"] is False
    assert "campushub/users" not in s.get(people_hub.url + "/hub/home", timeout=30).text  # no nav link


def test_the_admin_downloads_the_export(people_hub, admin):
    r = admin.session.get(people_hub.url + PAGE + "/export", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert "admin,Site Admin,,true" in r.text.splitlines()
