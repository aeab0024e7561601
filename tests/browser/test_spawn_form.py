"""The spawn form in a real browser: two users in different groups see their
own ranges and environments, in their language; a spawn with chosen values
starts a server with exactly those values."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import TEST_PREFIX, Browserless, Hub, running, save_artifact, wait_for

pytestmark = pytest.mark.browser
PREFIX = TEST_PREFIX + "f"
GIB = 2**30


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = Hub.create(tmp_path_factory.mktemp("form"), {
        "spawner": {"user_prefix": PREFIX},
        # Both environments use the lock CampusHub ships, so one build serves both.
        "environments": {
            "formpython": {"title": "Python", "description": "Data analysis",
                           "versions": {"shipped": {}}, "tags": {"stable": "shipped"}},
            "formcourse": {"title": "Course", "description": "This term's course",
                           "versions": {"term": {}}, "tags": {"stable": "term", "dev": "term"}},
        },
        "policies": {
            "default": {"cpu": {"min": 0.5, "max": 1, "default": 0.5},
                        "memory": {"min": "512M", "max": "1G", "default": "512M"},
                        "environments": ["formcourse:stable"]},
            "groups": {"data-scientists": {"cpu": {"max": 2}, "memory": {"max": "2G", "default": "1G"},
                                           "environments": ["formpython", "formcourse"]}},
        },
    })
    with running(h, PREFIX):
        yield h


@pytest.fixture(scope="module")
def users(hub):
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    lena, dora = make_user(hub, admin, "lena"), make_user(hub, admin, "dora")
    assert hub.api("POST", "groups/data-scientists", json={"users": ["dora"]}).status_code == 201
    return lena, dora


def open_form(page, hub, user):
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user.name)
    page.fill("#password_input", user.password)
    page.click("#login_submit")
    page.goto(f"{hub.url}/hub/spawn/{user.name}")
    expect(page.locator("#campushub-options")).to_be_visible()


def environments_offered(page) -> list[str]:
    return page.locator("input[name=environment]").evaluate_all("els => els.map(e => e.value)")


def test_each_group_sees_its_own_ranges_and_environments(hub, users, new_page):
    lena, dora = users
    page = new_page("en-US")
    open_form(page, hub, lena)
    expect(page.locator("#cpu-input")).to_have_attribute("max", "1")
    expect(page.locator("#memory-input")).to_have_attribute("max", "1")
    expect(page.locator("#cpu-help")).to_have_text("Between 0.5 and 1 cores.")
    # one environment, one tag: nothing to pick
    assert environments_offered(page) == []
    save_artifact("form-lena.png", page.screenshot(full_page=True))

    page = new_page("ja-JP")
    open_form(page, hub, dora)
    expect(page.locator("#cpu-input")).to_have_attribute("max", "2")
    expect(page.locator("#memory-input")).to_have_attribute("value", "1")  # the group's default
    expect(page.locator("#cpu-help")).to_have_text("0.5〜2 コア の範囲で指定してください。")
    assert environments_offered(page) == ["formpython:stable", "formcourse:stable", "formcourse:dev"]
    expect(page.locator("#campushub-options")).to_contain_text("Data analysis")
    save_artifact("form-dora-ja.png", page.screenshot(full_page=True))


def test_a_spawn_with_chosen_values_starts_with_them(hub, users, new_page):
    _, dora = users
    page = new_page("en-US")
    open_form(page, hub, dora)
    page.fill("#cpu-input", "1.5")
    page.fill("#memory-input", "1.5")
    page.check("input[value='formcourse:dev']")
    page.click("#spawn_form button[type=submit]")
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=180_000)
    options = hub.api("GET", "users/dora").json()["servers"][""]["user_options"]
    assert options == {"cpu": 1.5, "memory": int(1.5 * GIB), "gpus": 0,
                       "environment": "formcourse:dev", "node_pool": None}

    # Next time the form starts from that choice.
    hub.api("DELETE", "users/dora/server")
    wait_for(lambda: "" not in hub.api("GET", "users/dora").json()["servers"], 60, "dora's server to stop")
    page.goto(f"{hub.url}/hub/spawn/dora")
    expect(page.locator("#cpu-input")).to_have_value("1.5")
    expect(page.locator("input[value='formcourse:dev']")).to_be_checked()


def test_out_of_range_form_values_are_refused_by_the_hub(hub, users, new_page):
    lena, _ = users
    page = new_page("en-US")
    open_form(page, hub, lena)
    # What a tampered page would send: the browser's own max check removed.
    page.evaluate("document.getElementById('cpu-input').removeAttribute('max')")
    page.fill("#cpu-input", "64")
    page.click("#spawn_form button[type=submit]")
    expect(page.locator(".spawn-error-msg")).to_contain_text("between 0.5 and 1")
    assert hub.api("GET", "users/lena").json()["servers"] == {}
