"""Where the hub links to the help portal, without a running hub: the registration (both deployments'
hub configurations announce the service, every person may log in to it, the pages get the portal's
links), the hub's pages rendered as JupyterHub renders them (tests/i18n/rendering.py), and the memory
messages of a server (its kernels' warning, a start that ran out of memory) in the person's language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from traitlets.config import Config

from campushub.config import validate
from campushub.help import links
from campushub.hub import help_texts, settings
from campushub.hub.server_env import MEMORY_WARNING
from campushub.i18n import translate

from ..i18n.rendering import render, user

MEMORY_JA = "/services/help/ja/learners/memory/"


def hub_config(config: dict) -> Config:
    c = Config()
    settings.apply(c, config, spawner_section="SystemUserSpawner", service_tokens={"help": "t" * 64},
                   service_urls={"help": "http://127.0.0.1:700"})
    return c


def test_the_service_is_announced_with_the_links_for_the_pages():
    c = hub_config(validate({}))
    entry = next(s for s in c.JupyterHub.services if s["name"] == "help")
    assert entry["oauth_no_confirm"] and entry["display"] and entry["url"] == "http://127.0.0.1:700"
    assert not any("help" in r.get("services", []) for r in c.JupyterHub.load_roles)  # it holds no role
    everyone = next(r for r in c.JupyterHub.load_roles if r["name"] == "user")
    assert "access:services!service=help" in everyone["scopes"]
    assert c.JupyterHub.template_vars["campushub_help"].url("ja") == "/services/help/ja/"


def test_without_the_service_there_are_no_links():
    c = hub_config(validate({"help": {"enabled": False}}))
    assert not any(s["name"] == "help" for s in c.JupyterHub.get("services", []))
    assert "campushub_help" not in c.JupyterHub.get("template_vars", {})
    assert help_texts.server_env(validate({"help": {"enabled": False}}), "ja") == {}


def test_a_hub_with_subdomains_links_to_the_services_own_origin():
    found = help_texts.links({"base_url": "/", "subdomain_host": "https://hub.example.org:8443"})
    assert found.url("ru") == "https://help--service.hub.example.org:8443/services/help/ru/"


def test_the_kernels_memory_warning_links_to_the_memory_page():
    env = help_texts.server_env(validate({"hub": {"public_url": "https://hub.example.org"}}), "ja")
    warning = env["CAMPUSHUB_MEMORY_WARNING"]
    assert warning.startswith(translate("ja", MEMORY_WARNING))
    # as the kernel's watch fills it in (singleuser/memory_watch.py)
    assert warning.format(used=900, limit=1000).endswith("対処方法: https://hub.example.org" + MEMORY_JA)
    # no public_url: the path, still a page's address
    assert help_texts.what_to_do(validate({}), "ja", links.MEMORY) == " 対処方法: " + MEMORY_JA


@pytest.mark.parametrize("page,ns", [
    ("not_running.html", dict(failed=True, server_name="", failed_message="boom")),
    ("not_running.html", dict(server_name="")),
    ("spawn_pending.html", dict(progress_url="/hub/api/users/alice/server/progress")),
    ("error.html", dict(status_code=500, status_message="Internal Server Error", message="Failed to start")),
    ("spawn.html", dict(error_message="boom", spawner_options_form="", url="/hub/spawn/alice")),
])
def test_the_hubs_pages_link_to_what_to_do_in_the_persons_language(page, ns):
    shown = render(page, {"user": user(), "campushub_help": links.Links("/"), **ns}, "ja")
    assert 'href="/services/help/ja/learners/server-problems/"' in shown
    assert "サーバーが起動しない・停止したときの対処" in shown
    assert 'id="campushub-help"' not in render(page, {"user": user(), **ns}, "ja")  # help off: no link


def test_a_start_that_ran_out_of_memory_links_to_the_memory_page():
    config = validate({})
    message = "out of memory." + help_texts.what_to_do(config, "ja", links.MEMORY)
    for page, ns in (("not_running.html", dict(failed=True, server_name="", failed_message=message)),
                     ("error.html", dict(status_code=500, status_message="Internal Server Error", message=message))):
        shown = render(page, {"user": user(), "campushub_help": links.Links("/"), **ns}, "ja")
        assert f'<a href="{MEMORY_JA}">サーバーのメモリが足りなくなったときの対処</a>' in shown, page


def test_the_nav_bar_links_to_the_portal_for_signed_in_people_only():
    ns = {"campushub_help": links.Links("/campus/"), "services": [SimpleNamespace(name="help", href="/h")]}
    assert 'href="/campus/services/help/ru/">Справка</a>' in render("page.html", {"user": user(), **ns}, "ru")
    assert "campushub-help-link" not in render("page.html", ns, "ru")
