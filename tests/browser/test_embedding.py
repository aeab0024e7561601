"""The demo course site in examples/ embeds learners' notebooks: a real browser
signs in on the site, opens a lesson, and JupyterLab loads inside the iframe
over HTTPS with no second login. Hosts are mapped to 127.0.0.1 by Chromium's
resolver rules, so the site and the hub have real, distinct names:

- learn.campus.test shares the parent domain with hub.campus.test: the site's
  token cookie (Domain=campus.test) is what the hub reads;
- learn.school.test is another site altogether: the token travels in the
  iframe URL once, and the hub's cookies only work as SameSite=None; Secure.

The hub checks tokens with the site's HTTP endpoint (the demo's own).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ..harness import ROOT, TEST_PREFIX, Hub, free_port, save_artifact, wait_for
from ..tls import make_cert
from .conftest import ARGS, CHROMIUM

SITE_DIR = ROOT / "examples" / "course-site"
PREFIX = TEST_PREFIX + "e"


class DemoSite:
    def __init__(self, workdir: Path, name: str, port: int, *extra: str):
        self.port, self.url = port, f"https://{name}:{port}"
        self.log = workdir / f"site-{port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(SITE_DIR / "site.py"), "--port", str(port), *extra],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for(self._up, 30, f"the demo site on {port}")

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"demo site exited:\n{self.log.read_text()}")
        return "course site running at" in self.log.read_text()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("embed")
    cert, key = make_cert(work / "tls", ["hub.campus.test", "learn.campus.test", "learn.school.test"])
    db, api_key = work / "site.db", work / "api-key"
    api_key.write_text("demo-api-key-" + os.urandom(8).hex())
    api_key.chmod(0o600)
    site_port, other_port, hub_port = free_port(), free_port(), free_port()
    hub_url = f"https://hub.campus.test:{hub_port}"
    common = ["--db", str(db), "--hub-url", hub_url, "--cert", str(cert), "--key", str(key)]
    subprocess.run([sys.executable, str(SITE_DIR / "site.py"), "--db", str(db), "--add-user", "mika",
                    "--password", "mika-lesson-pw", "--groups", "ml101"], check=True, capture_output=True)
    sites = [
        DemoSite(work, "learn.campus.test", site_port, *common, "--cookie-domain", "campus.test",
                 "--api-key-file", str(api_key)),
        DemoSite(work, "learn.school.test", other_port, *common, "--token-in-url"),
    ]
    hub = Hub.create(work / "hub", {
        "hub": {"ip": "127.0.0.1", "port": hub_port, "public_url": hub_url,
                "https": {"cert": str(cert), "key": str(key)}},
        "spawner": {"user_prefix": PREFIX},
        "embedding": {"allowed_origins": [s.url for s in sites]},
        "auth": {"type": "site_token", "site_token": {
            "site_url": sites[0].url + "/",
            "http": {"url": f"https://127.0.0.1:{site_port}/api/campushub/token",
                     "api_key_file": str(api_key), "ca_file": str(cert)},
        }},
    })
    hub.port = hub_port
    try:
        hub.up(admin=None)
        yield {"hub": hub, "sites": sites, "hub_url": hub_url}
    finally:
        if hub.proc and hub.proc.poll() is None:
            hub.down("--stop-servers")
        hub.cleanup_accounts(PREFIX)
        for s in sites:
            s.stop()


RULES = "--host-resolver-rules=MAP *.campus.test 127.0.0.1, MAP *.school.test 127.0.0.1"
CONTEXT = {"ignore_https_errors": True, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture(scope="module")
def browser(playwright):
    # Its own Chromium: the host names above must resolve to this machine.
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*ARGS, RULES])
    yield b
    b.close()


def open_lesson(context, site_url: str):
    context.set_default_timeout(60_000)
    page = context.new_page()
    # Kept for the failure artifact: a refused frame only shows in the console.
    page.console_lines = []
    page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
    page.goto(site_url + "/")
    page.fill("input[name=username]", "mika")
    page.fill("input[name=password]", "mika-lesson-pw")
    page.click("button[type=submit], input[type=submit]")
    page.goto(site_url + "/lessons/01-python-basics")
    return page


def lab_frame(page, timeout: float = 180):
    """The iframe once JupyterLab has rendered in it."""
    def ready():
        frame = page.frame_locator("#notebook")
        return frame.locator(".jp-LabShell").count() > 0
    try:
        wait_for(ready, timeout, "JupyterLab inside the lesson's iframe", interval=1)
    except AssertionError:
        name = f"embed-{page.url.split('//')[1].split(':')[0]}"
        save_artifact(f"{name}.png", page.screenshot(full_page=True))
        save_artifact(f"{name}-console.txt", "\n".join(page.console_lines).encode())
        raise
    return next(f for f in page.frames if "/user/" in f.url)


def kernel_starts_from_the_frame(frame, user: str) -> int:
    """POST as JupyterLab does (cookie auth + _xsrf cookie echoed in a header)."""
    return frame.evaluate("""async (user) => {
        const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
        const r = await fetch(`/user/${user}/api/kernels`, {method: "POST",
            headers: {"X-XSRFToken": decodeURIComponent(xsrf), "Content-Type": "application/json"},
            body: JSON.stringify({name: "python3"})});
        return r.status;
    }""", user)


def test_lesson_shows_the_notebook_in_the_iframe_with_no_login(world, browser):
    site = world["sites"][0]
    # A private (incognito-like) context: it blocks third-party cookies and
    # storage, which a hub on the site's parent domain never needs.
    context = browser.new_context(**CONTEXT)
    lab_csp = []
    context.on("response", lambda r: lab_csp.append(r.headers.get("content-security-policy"))
               if r.url.startswith(world["hub_url"] + "/user/mika/lab") and r.status == 200 else None)
    page = open_lesson(context, site.url)
    try:
        frame = lab_frame(page)
        # The user server carries the same frame-ancestors as the hub.
        assert lab_csp and lab_csp[0] == f"frame-ancestors 'self' {origins(world)}", lab_csp
        assert frame.url.startswith(world["hub_url"] + "/user/mika/lab"), frame.url
        assert kernel_starts_from_the_frame(frame, "mika") == 201
        save_artifact("embed-lesson.png", page.screenshot())
        names = {c["name"] for c in context.cookies(world["hub_url"])}
        assert "campushub_token" in names  # the site's cookie on the shared parent domain
    finally:
        context.close()


def test_another_sites_iframe_works_with_samesite_none_cookies(world, playwright, tmp_path):
    site = world["sites"][1]
    # A hub on another site is a third party in the lesson page. This
    # Chromium blocks third-party cookies and storage by default; the profile
    # allows them, as Chrome does by default and as learners' browsers must
    # for this setup (docs/identity.md recommends the shared parent domain).
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}))
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=[*ARGS, RULES], **CONTEXT)
    page = open_lesson(context, site.url)
    try:
        frame = lab_frame(page)
        assert kernel_starts_from_the_frame(frame, "mika") == 201
        hub_cookies = [c for c in context.cookies(world["hub_url"]) if c["name"].startswith("jupyterhub")]
        assert hub_cookies and all(c["sameSite"] == "None" and c["secure"] and c.get("partitionKey")
                                   for c in hub_cookies), hub_cookies
    finally:
        context.close()


def origins(world) -> str:
    return " ".join(s.url for s in world["sites"])


def test_frame_ancestors_on_hub_pages(world):
    # (The user server's header is checked where JupyterLab loads, above.)
    for path in ("/hub/login", "/hub/home"):
        r = requests.get(f"{world['hub'].url}{path}", verify=False, timeout=30, allow_redirects=False)
        assert r.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {origins(world)}", path


def test_a_site_not_listed_cannot_frame_the_hub(world, browser):
    # The same demo site under a name not in embedding.allowed_origins is
    # another origin; both are real servers, so nothing but the hub's
    # frame-ancestors tells them apart.
    listed = world["sites"][1]
    unlisted = listed.url.replace("learn.school.test", "evil.school.test")
    context = browser.new_context(**CONTEXT)

    def framed(site_url: str) -> str:
        page = open_lesson(context, site_url)

        def settled():
            # Chromium reports the refusal on the console; the frame then
            # shows its error page (chrome-error://) or nothing at all.
            if any("frame-ancestors" in line for line in page.console_lines):
                return "refused"
            child = next((f for f in page.frames if f is not page.main_frame), None)
            if child is None or child.url in ("", "about:blank"):
                return None
            if child.url.startswith("chrome-error://"):
                return "refused"
            return "shown" if child.locator("body *").count() else None
        try:
            return wait_for(settled, 60, f"the hub frame in {site_url} to load or be refused")
        except AssertionError:
            name = "embed-" + site_url.split("//")[1].split(":")[0]
            save_artifact(f"{name}.png", page.screenshot(full_page=True))
            save_artifact(f"{name}-console.txt", "\n".join(page.console_lines))
            raise
    try:
        assert (framed(unlisted), framed(listed.url)) == ("refused", "shown")
    finally:
        context.close()
