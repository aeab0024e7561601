"""Apps and the policy's named servers are two budgets (hub/policy/app_start.py):
JupyterHub's per-user limit is their sum, so each start checks its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from campushub.apps import model
from campushub.config import validate
from campushub.hub.policy.app_start import ONE_SERVER, SERVERS, START_FROM_PAGE, app_to_start
from campushub.hub.policy.choose import PolicyError
from campushub.hub.policy.resolve import effective_policy
from campushub.hub.policy.spawner import named_server_limit_for

SITE = validate({"policies": {"groups": {"researchers": {"max_servers": 3}}}, "apps": {"max_per_person": 2}})
APP = {"kind": "streamlit", "path": "work/app.py"}


def spawner(name: str, running: list[str], groups=(), app_spec=None):
    """A start of `name` while the person's servers `running` run (others exist, stopped)."""
    orm = {n: SimpleNamespace(server=object() if n in running else None)
           for n in {"", "lab2", "app-a", "app-b", "app-c", name, *running}}
    user = SimpleNamespace(orm_spawners=orm, spawners={}, groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(name=name, user=user, site_config=SITE, app_spec=app_spec)


def start(name: str, running: list[str], options: dict, groups=(), app_spec=None):
    requested = dict(options)
    found = app_to_start(spawner(name, running, groups, app_spec), requested,
                         effective_policy(SITE, list(groups)))
    assert model.OPTION not in requested  # the policy's own check never sees it
    return found


def test_apps_do_not_use_up_the_policys_servers():
    # two apps running: the researcher's second named server still starts
    assert start("lab2", ["", "app-a", "app-b"], {}, ["researchers"]) is None
    # and two named servers running do not stop an app
    assert start("app-a", ["", "lab2", "lab3"], {model.OPTION: APP}, ["researchers"]).kind == "streamlit"


def test_each_budget_has_its_own_limit():
    with pytest.raises(model.AppError) as e:
        start("app-c", ["app-a", "app-b"], {model.OPTION: APP})
    assert e.value.message == model.TOO_MANY and e.value.params == {"max": 2}
    with pytest.raises(PolicyError) as e:
        start("lab4", ["lab2", "lab3"], {}, ["researchers"])
    assert e.value.message == SERVERS and e.value.params == {"max": 2}
    with pytest.raises(PolicyError) as e:
        start("lab2", ["app-a"], {})  # the default policy: one server, apps aside
    assert e.value.message == ONE_SERVER


def test_app_names_and_app_options_go_together():
    with pytest.raises(model.AppError) as e:
        start("", [], {model.OPTION: APP})
    assert e.value.message == model.NOT_APP_NAME
    with pytest.raises(model.AppError) as e:
        start("app-a", [], {})
    assert e.value.message == START_FROM_PAGE
    # a restart from the hub's home page: no options, the app it ran before
    before = model.check(APP, SITE)
    assert start("app-a", [], {}, app_spec=before) == before


def test_jupyterhubs_limit_is_the_sum():
    limit = named_server_limit_for(SITE)
    person = SimpleNamespace(current_user=SimpleNamespace(groups=[SimpleNamespace(name="researchers")]))
    assert limit(person) == 2 + 2
    assert named_server_limit_for(validate({"apps": {"enabled": False}}))(person) == 0
    # a service (automation with admin scopes) starting someone's server: JupyterHub asks about the
    # service, which has no groups; no count at creation, the start still checks the person's budgets
    service = SimpleNamespace(current_user=SimpleNamespace(kind="service", name="campushub-automation"))
    assert limit(service) == 0
