"""Which tests share a worker under `pytest -n 2 --dist loadgroup`: a hub a fixture shares is started once.

pytest-xdist sends tests to whichever worker is free. A session, package, module or class fixture
that starts a hub (or a site, slapd, PostgreSQL, Enterprise Gateway) would then be started on both
workers, each paying its boots and spawns, and a test relying on what an earlier test did to that
hub (an account made, a course released) could find it missing. tests/xdist_groups.py hands the
groups found here to xdist's loadgroup scheduler; a group's tests all run on one worker, in order.

The rule: each such fixture *instance* (one per session, package, module or class it is scoped
to, and per parameter it depends on) is a node; a test joins the nodes of the instances it uses;
tests connected that way form one group. So no instance is needed on two workers, whatever mix of
fixtures a test uses (a module whose tests use its own site and, in one test, `hub` joins the hub's
group). A test using none of them stays ungrouped: its own function-scoped hub, if any, is started
wherever it runs, and the two workers share out the ungrouped tests one by one. A group is named
after its costliest fixture (COST, then the widest scope): "hub", "course_hub",
"tests/deploy/local/spawner::hub,spawn_path=1", "tests/cli/test_two_sites.py::sites".

Which fixtures count: every module- and class-scoped one (its instance is one module's or class's, so
grouping by it never spans modules, and the tests sharing it may rely on each other's effects: the
projects page's tests add, un-own and remove a member in turn on their module's site), every shared one
defined in the test's own module (likewise), COST's of tests/conftest.py, and a package or session
fixture elsewhere whose source starts a service (RUNS, read from the code as tests/tiers.py does). A
module's site started through a helper of another module counts even where tests/tiers.py, which cannot
see it, left the module in the fast tier.
"""

from __future__ import annotations

import inspect
import re
from functools import cache

import pytest

# tests/tiers.py's STARTS_SERVICES less the builds and the browser. A build (ensure_user_env,
# ensure_environments, ensure_proxy, hub_venv) is idempotent and serialised by a flock or an atomic
# rename, so on the second worker it costs a check; Chromium costs a second; grouping by either
# would put every content-check or browser test on one worker.
RUNS = re.compile(r"\bHub\.create\(|\.up\(|\b(?:Postgres|LDAPServer|OIDCProvider|Gateway)\.start\(")
# The session fixtures of tests/conftest.py, costliest first: a group holding several is named
# after the first. Costs from CI's durations: a course hub runs three services, a site boots and
# spawns its people, `hub` and `people_hub` are plain hubs, PostgreSQL starts in two seconds.
COST = ("course_hub", "jobs_site", "analytics_site", "hub", "people_hub", "postgres")
WIDTH = {"session": 0, "package": 1, "module": 2, "class": 3}


def _expensive(fixturedef, item: pytest.Item) -> bool:
    if fixturedef.scope not in WIDTH:
        return False
    if fixturedef.scope in ("module", "class"):  # its group stays within one module, whatever it holds
        return True
    module = inspect.getmodule(fixturedef.func)
    if module is None:
        return False
    if module is getattr(item, "module", None):  # only this module's tests see it: the same
        return True
    if module.__name__ == "tests.conftest":  # its sites start through helpers of their packages
        return fixturedef.argname in COST
    return _runs_services(fixturedef.func)


@cache
def _runs_services(func) -> bool:
    try:
        return bool(RUNS.search(inspect.getsource(func)))
    except (OSError, TypeError):
        return False


def _used(item: pytest.Item) -> list:
    """The fixture definitions this test runs: the closest of each name, and the ones it overrides
    only when the closer one requests its own name (pytest's way to extend a fixture)."""
    info = getattr(item, "_fixtureinfo", None)
    found = []
    for name in sorted(getattr(item, "fixturenames", ())):
        defs = list(info.name2fixturedefs.get(name, ())) if info else []
        while defs:
            found.append(defs.pop())
            if name not in found[-1].argnames:
                break
    return found


def _instance(fixturedef, item: pytest.Item, closure: dict) -> tuple:
    """What identifies the one instance of `fixturedef` this test gets."""
    node = getattr(fixturedef, "node", None)  # pytest 9's; its baseid is that node's id (deprecated since)
    where = {"session": "", "package": node.nodeid if node is not None else fixturedef.baseid,
             "module": item.nodeid.split("::")[0],
             "class": item.nodeid.rsplit("::", 1)[0]}[fixturedef.scope]
    indices = getattr(getattr(item, "callspec", None), "indices", {})
    params = tuple(sorted((n, indices[n]) for n in _depends_on(fixturedef, closure) if n in indices))
    return fixturedef.func.__module__, fixturedef.argname, where, params


def _depends_on(fixturedef, closure: dict) -> set[str]:
    """Names `fixturedef` requests, however indirectly (for its parameters)."""
    seen, todo = {fixturedef.argname}, list(fixturedef.argnames)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(closure[name].argnames if name in closure else ())
    return seen


def _name(key: tuple) -> str:
    module, argname, where, params = key
    name = argname if module == "tests.conftest" and not where else f"{where or module}::{argname}"
    return name + "".join(f",{param}={index}" for param, index in params)


def _rank(key: tuple, scope: str) -> tuple:
    module, argname = key[:2]
    cost = COST.index(argname) if module == "tests.conftest" and argname in COST else len(COST)
    return cost, WIDTH[scope], _name(key)


def group(items: list[pytest.Item]) -> dict[str, str]:
    """nodeid -> group, for the tests that share an expensive fixture instance (see above)."""
    parent: dict[tuple, tuple] = {}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    rank, uses = {}, {}
    for item in items:
        closure = {}
        for fixturedef in _used(item):
            closure.setdefault(fixturedef.argname, fixturedef)  # the closest of each name comes first
        keys = []
        for fixturedef in _used(item):
            if _expensive(fixturedef, item):
                key = _instance(fixturedef, item, closure)
                parent.setdefault(key, key)
                rank[key] = _rank(key, fixturedef.scope)
                keys.append(key)
        for key in keys[1:]:
            a, b = root(keys[0]), root(key)
            if a != b:  # the costlier instance names the group
                parent[max(a, b, key=rank.get)] = min(a, b, key=rank.get)
        if keys:
            uses[item.nodeid] = keys[0]
    return {nodeid: _name(root(key)) for nodeid, key in uses.items()}
