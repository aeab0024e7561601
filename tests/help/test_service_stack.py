"""The help portal on a real site: `campushub up` builds it (MkDocs, the shipped guides) and runs the help
service beside a real JupyterHub and proxy; people reach it through the proxy and the hub's OAuth, with
requests as their browser (the Browserless sign-up and login of tests/conftest.py).

Asked for: anonymous people are sent to the hub's login; a signed-in person gets the English portal, or is
sent to ja/ by a Japanese browser, unless they come from a page of the portal; no request reaches a file
outside the build (.., encoded .., absolute paths, a symlink leading out); a folder is never listed; a
rebuild (the site link swapped) is served at once; the hub's nav bar links to the portal in the person's
language; `status` shows the service; `up` starts it again when it dies; `down` stops it; `up` stops before
any change on a broken page."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ..conftest import make_user
from ..harness import Browserless, Hub, campushub, running, wait_for

pytestmark = pytest.mark.stack
PORTAL = "/services/help/"
JA = {"Accept-Language": "ja-JP,ja;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    hub = Hub.create(tmp_path_factory.mktemp("help-hub"), {"help": {"enabled": True}}, servers=False)
    layout = Layout(hub.data_dir)
    with running(hub):
        port = json.loads(layout.config_copy.read_text())["help"]["port"]
        yield hub
        pid = pids.read(layout.pid_file("help"))
        result = hub.down()
        assert result.returncode == 0, result.stdout + result.stderr
        assert pid and pids.start_time(pid) is None, "`down` left the help service running"
    assert not layout.pid_file("help").exists()
    assert isinstance(port, int) and port < 1024  # chosen by `up` out of learners' reach


@pytest.fixture(scope="module")
def alice(site):
    admin = Browserless(site, "admin", site.admin_password)
    assert admin.login().status_code == 302
    alice = make_user(site, admin, "alice")
    assert portal(site, alice).status_code == 200  # signed in to the service too (the OAuth round trip)
    return alice


def portal(hub: Hub, user: Browserless, path: str = "", headers: dict | None = None, **kwargs):
    """GET a page of the portal as the person's browser: through the proxy, following the OAuth dance."""
    return user.session.get(hub.url + PORTAL + path, headers=headers or EN, timeout=60, **kwargs)


def built(hub: Hub) -> Path:
    return Path(os.path.realpath(hub.data_dir / "help" / "site"))


def raw(user: Browserless, port: int, path: str) -> tuple[int, bytes]:
    """A request with `path` exactly as written (no client normalising dot segments), with the person's
    cookies, to the proxy or straight to the service."""
    cookies = "; ".join(f"{c.name}={c.value}" for c in user.session.cookies)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookies, **EN})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_anonymous_people_are_sent_to_the_hubs_login(site):
    anonymous = Browserless(site, "nobody", "x")
    r = portal(site, anonymous, allow_redirects=False)
    assert r.status_code == 302 and "/hub/api/oauth2/authorize" in r.headers["Location"], r.headers
    r = portal(site, anonymous, "learners/memory/")
    assert r.url.startswith(site.url + "/hub/login"), r.url  # the hub's login page, nothing of the portal
    assert "md-content" not in r.text


def test_the_portal_in_english_and_japanese(site, alice):
    r = portal(site, alice)
    assert r.status_code == 200 and r.url == site.url + PORTAL, r.url
    assert '<html lang="en"' in r.text and "md-content" in r.text
    assert r.headers["Cache-Control"] == "private, no-cache"
    r = portal(site, alice, headers=JA, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == PORTAL + "ja/", r.headers
    r = portal(site, alice, headers=JA)
    assert r.url == site.url + PORTAL + "ja/" and '<html lang="ja"' in r.text
    r = portal(site, alice, "ja/learners/memory/", headers=JA)
    assert r.status_code == 200 and '<html lang="ja"' in r.text


def test_someone_choosing_english_in_the_portal_stays_in_english(site, alice):
    r = portal(site, alice, headers={**JA, "Referer": site.url + PORTAL + "ja/learners/"}, allow_redirects=False)
    assert r.status_code == 200 and '<html lang="en"' in r.text
    # a Referer elsewhere (the hub's home page) does not count
    r = portal(site, alice, headers={**JA, "Referer": site.url + "/hub/home"}, allow_redirects=False)
    assert r.status_code == 302


def test_the_portals_own_scripts_read_its_files(site, alice):
    """Material's search fetches its index (fetch(), Sec-Fetch-Mode cors) and loads a worker: HubOAuth asks
    such reads for an XSRF token a static site never sends. A same-origin read gets the file; a cross-site
    one does not get it with the person's cookie (the XSRF check still applies)."""
    fetch = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
    r = portal(site, alice, "search/search_index.json", headers={**JA, **fetch, "Sec-Fetch-Site": "same-origin"},
               allow_redirects=False)
    assert r.status_code == 200 and "docs" in r.json(), (r.status_code, r.headers)
    r = portal(site, alice, "search/search_index.json", headers={**JA, **fetch, "Sec-Fetch-Site": "cross-site"},
               allow_redirects=False)
    assert r.status_code == 302 and "docs" not in r.text, r.status_code


def test_nothing_outside_the_build_is_served(site, alice):
    portal(site, alice)  # signed in to the service
    service = json.loads(Layout(site.data_dir).config_copy.read_text())["help"]["port"]
    assert raw(alice, service, PORTAL)[0] == 200  # the cookies sent below do sign her in
    for path in ("../../../../etc/passwd", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "..%2f..%2f..%2f..%2fetc%2fpasswd", "/etc/passwd", "%2fetc%2fpasswd",
                 "ja/../../../../../etc/passwd", "ja/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        # the proxy may resolve the dots itself and hand the request to the hub (a redirect), never a file
        status, body = raw(alice, site.port, PORTAL + path)
        assert status != 200 and b"root:" not in body, (path, status, body[:200])
        status, body = raw(alice, service, PORTAL + path)
        assert status in (400, 403, 404) and b"root:" not in body, (path, status, body[:200])
    # a NUL in the path: tornado's realpath raised on it (a 500, a traceback in the log)
    for path in ("%00", "a%00b", "index.html%00.png"):
        status, body = raw(alice, service, PORTAL + path)
        assert status == 404 and b"Traceback" not in body, (path, status)
    assert "embedded null byte" not in Layout(site.data_dir).log_file("help").read_text(errors="replace")
    # a symlink inside the build leading out of it
    link = built(site) / "leak.txt"
    link.symlink_to("/etc/passwd")
    try:
        r = portal(site, alice, "leak.txt")
        assert r.status_code == 403 and "root:" not in r.text
        # an error page names the person: never kept by a shared cache
        assert r.headers.get("Cache-Control") == "private, no-cache", r.headers
    finally:
        link.unlink()


def test_folders_pages_and_misses(site, alice):
    r = portal(site, alice, "learners", allow_redirects=False)  # a folder: its index.html, at its slash
    assert r.status_code == 301 and r.headers["Location"] == PORTAL + "learners/"
    r = portal(site, alice, "assets/")  # a folder without index.html: never a listing
    assert r.status_code == 404 and "stylesheets" not in r.text.split("md-content")[-1]
    # a miss: the portal's 404 page in the language of the folder asked for (or the service's own page,
    # in the person's language, when the build has none in it), with links below the prefix
    for path, headers, lang in (("no/such/page/", EN, "en"), ("ja/no/such/page/", JA, "ja"),
                                ("ru/no/such/page/", {"Accept-Language": "ru"}, "ru")):
        r = portal(site, alice, path, headers=headers)
        shown = r.content.decode("utf-8")
        assert r.status_code == 404 and f'<html lang="{lang}"' in shown, shown[:300]
        assert ("md-content" in shown) != ('id="error-message"' in shown)
        assert 'href="/assets/' not in shown and 'href="/ja/' not in shown and f'href="{PORTAL}' in shown
    page = portal(site, alice).text
    css = re.search(r'href="(assets/stylesheets/main\.[0-9a-f]{8}\.min\.css)"', page).group(1)
    r = alice.session.get(site.url + PORTAL + css, timeout=60)
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]


def test_an_svg_opened_by_itself_runs_no_script(site, alice):
    """An SVG is a document: opened by itself it would run its scripts on the hub's origin."""
    svg = built(site) / "picture.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    try:
        r = portal(site, alice, "picture.svg")
        assert r.status_code == 200 and "sandbox" in r.headers.get("Content-Security-Policy", ""), r.headers
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
    finally:
        svg.unlink()


def test_a_rebuild_is_served_without_a_restart(site, alice):
    pid = pids.read(Layout(site.data_dir).pid_file("help"))
    before = built(site)
    after = before.parent / "test-rebuild"
    shutil.copytree(before, after, symlinks=True)
    (after / "index.html").write_text((before / "index.html").read_text().replace("</body>", "REBUILT-42</body>"))
    link = site.data_dir / "help" / ".site.test"
    link.symlink_to(f"builds/{after.name}")
    os.replace(link, site.data_dir / "help" / "site")  # as help/swap.py publishes a build
    try:
        assert "REBUILT-42" in portal(site, alice).text
    finally:
        link.symlink_to(f"builds/{before.name}")
        os.replace(link, site.data_dir / "help" / "site")
        shutil.rmtree(after)
    assert "REBUILT-42" not in portal(site, alice).text
    assert pids.read(Layout(site.data_dir).pid_file("help")) == pid


def test_the_hubs_nav_bar_links_to_the_portal_in_the_persons_language(site, alice):
    def page(path: str, headers: dict) -> str:
        r = alice.session.get(site.url + path, headers=headers, timeout=60)
        assert r.status_code in (200, 424), r.status_code
        return r.content.decode("utf-8")  # the hub's pages do not name their charset

    assert ('<a class="nav-link" id="campushub-help-link" href="/services/help/ja/">ヘルプ</a>'
            in page("/hub/home", JA))
    assert 'id="campushub-help-link" href="/services/help/">Help</a>' in page("/hub/home", EN)
    # her server's page while it does not run: what to do when it does not start or stops
    shown = page("/hub/user/alice/", JA)
    assert 'href="/services/help/ja/learners/server-problems/"' in shown, shown[-1500:]


def test_status_shows_the_service(site):
    r = campushub("status", "--data-dir", str(site.data_dir), "--json")
    assert r.returncode == 0, r.stderr
    assert "help" in json.loads(r.stdout)["ports"], r.stdout[:500]


def test_up_stops_before_any_change_on_a_page_that_cannot_be_built(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "nav.yml").write_text("- index.md\n")
    (pages / "index.md").write_text("# Ours\n\n[VPN](vpn.md)\n")
    hub = Hub.create(tmp_path / "site", {"help": {"enabled": True, "pages_dir": str(pages)}}, servers=False)
    r = campushub("up", "--config", str(hub.config_file), timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{pages}/index.md:3:" in r.stderr and "vpn.md" in r.stderr, r.stderr
    assert not (hub.data_dir / "run" / "up.pid").exists() and not (hub.data_dir / "effective-config.json").exists()
    assert not (hub.data_dir / "help" / "site").exists()


def test_up_starts_the_service_again_when_it_dies(site, alice):
    layout = Layout(site.data_dir)
    pid = pids.read(layout.pid_file("help"))
    os.kill(pid, signal.SIGKILL)
    again = wait_for(lambda: (pids.read(layout.pid_file("help")) or pid) != pid and pids.read(layout.pid_file("help")),
                     60, "`up` to start the help service again")
    assert pids.start_time(again) is not None
    wait_for(lambda: portal(site, alice).status_code == 200, 60, "the portal to answer again")
    r = alice.session.head(site.url + PORTAL + "learners/", headers=EN, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")


def test_a_reload_with_a_page_that_cannot_be_built_changes_nothing(site, alice, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "nav.yml").write_text("- index.md\n- vpn.md\n")
    (pages / "index.md").write_text("# Ours\n")
    config = json.loads(site.config_file.read_text())
    config["help"]["pages_dir"] = str(pages)
    broken = tmp_path / "campushub.yaml"
    broken.write_text(json.dumps(config))
    layout = Layout(site.data_dir)
    pid, before = pids.read(layout.pid_file("help")), built(site)
    r = campushub("up", "--config", str(broken), timeout=300)
    assert r.returncode == 1 and f"{pages}/nav.yml:2:" in r.stderr, r.stdout + r.stderr
    assert "restarting the hub" not in r.stdout  # stopped before handing over to the running `up`
    assert pids.read(layout.pid_file("help")) == pid and built(site) == before
    assert portal(site, alice).status_code == 200
