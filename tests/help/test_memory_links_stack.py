"""Out of memory, a person is pointed to the help portal's memory page in their language, on a real site
with the help service (`campushub up`), real unix accounts, cgroup limits (512M, tests/harness.py) and
servers started the exec way (no fork server to warm):
- a server that runs out of memory while starting: the spawn's last progress message ends with the
  page's address, and the server's page then links to it;
- a kernel nearing the limit: the warning printed in the running cell ends with it;
- in Chromium, the starting page's help link turns to the memory page when the start fails for memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name

from ..browser.assignments_flow import sign_in
from ..conftest import make_user
from ..harness import TEST_PREFIX, Browserless, Hub, progress_events, run_code, running, wait_for

pytestmark = pytest.mark.stack
JA = {"Accept-Language": "ja"}
MEMORY_JA = "/services/help/ja/learners/memory/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("help-memory-hub"), {"help": {"enabled": True}},
                            servers=False)) as hub:
        admin = Browserless(hub, "admin", hub.admin_password)
        assert admin.login().status_code == 302
        hub.admin = admin
        yield hub


def out_of_memory_at_start(site, name: str) -> Browserless:
    """A person whose server runs out of memory while it starts: its config allocates past the 512M limit
    (bytes(...) writes every byte: resident, unlike a lazily zeroed allocation)."""
    person = make_user(site, site.admin, name)
    entry = ensure_user(unix_name(name, TEST_PREFIX), owner=name)
    jupyter = Path(entry.pw_dir, ".jupyter")
    jupyter.mkdir(exist_ok=True)
    (jupyter / "jupyter_server_config.py").write_text("x = b'x' * (700 * 2**20)\n")
    for path in (jupyter, jupyter / "jupyter_server_config.py"):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return person


def test_a_server_out_of_memory_while_starting_links_to_the_memory_page(site):
    pia = out_of_memory_at_start(site, "pia")
    assert pia.session.get(f"{site.url}/hub/spawn/pia", headers=JA, timeout=60).status_code == 200
    events = progress_events(site, pia, "pia", timeout=180)
    assert events[-1].get("failed"), events
    assert events[-1]["message"].endswith(f" 対処方法: {MEMORY_JA}"), events[-1]
    r = pia.session.get(f"{site.url}/hub/user/pia/", headers=JA, timeout=60)
    shown = r.content.decode("utf-8")
    assert f'<a href="{MEMORY_JA}">サーバーのメモリが足りなくなったときの対処</a>' in shown, shown[-2000:]


def test_the_kernels_memory_warning_links_to_the_memory_page(site):
    rin = make_user(site, site.admin, "rin")
    assert rin.session.get(f"{site.url}/hub/spawn/rin", headers=JA, timeout=60).status_code == 200
    wait_for(lambda: site.server_ready("rin"), 180, "rin's server to be ready")
    # a runaway cell: the watch warns in it before the limit stops the kernel
    hog = ("import time\nhog = []\nfor i in range(120):\n"
           "    hog.append(b'x' * (8 * 2**20))\n    time.sleep(0.02)\nprint('survived')")
    out = run_code(site, "rin", site.user_token("rin"), hog, timeout=120)
    assert "survived" not in out["stream"]
    assert f"対処方法: {MEMORY_JA}" in out["stream"], out


@pytest.mark.browser
def test_the_starting_page_turns_its_link_to_the_memory_page_when_memory_ran_out(site, new_page):
    quin = out_of_memory_at_start(site, "quin")
    page = new_page("ja-JP")
    sign_in(page, site, quin, "/hub/spawn/quin")
    # the page that follows the start (spawn_pending, or not_running if it failed first) ends up linking
    # the memory page: spawn_pending's script swaps its link when the failure's message carries the address
    link = page.locator("#campushub-help a")
    expect(link).to_have_attribute("href", MEMORY_JA, timeout=180_000)
    expect(link).to_have_text("サーバーのメモリが足りなくなったときの対処")
