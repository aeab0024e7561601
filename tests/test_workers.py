"""tests/workers.py: on `-n 2 --dist loadgroup` a shared fixture that starts a hub is set up on one worker.

Run on a throwaway test tree with pytester. The fixtures only name the call that starts a hub in a
comment (the grouping reads the source, as tests/tiers.py does); nothing is started.
"""

from __future__ import annotations

import collections
from pathlib import Path

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
STARTS = "# " + "Hub." + "create("  # spelled in pieces, so this module stays ungrouped and fast

CONFTEST = f"""
import os

import pytest

from tests.tiers import mark_stack
from tests.xdist_groups import configure_node, make_scheduler, record_groups


@pytest.fixture(scope="session")
def hub():
    {STARTS}
    return "hub"


@pytest.fixture(scope="session")
def admin(hub):  # starts nothing itself: only through `hub`
    return hub


@pytest.fixture(autouse=True)
def record(request):
    with open(os.environ["RECORD"], "a") as f:
        f.write(request.node.nodeid + " " + os.environ.get("PYTEST_XDIST_WORKER", "-") + "\\n")


def pytest_collection_modifyitems(config, items):  # as tests/conftest.py's
    mark_stack(items)
    record_groups(config, items)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    configure_node(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    return make_scheduler(config, log)
"""

PACKAGE_CONFTEST = f"""
import pytest


@pytest.fixture(scope="package", params=["exec", "fork"])
def path_hub(request):
    {STARTS}
    return request.param
"""

MODULE_SITE = f"""
import pytest


@pytest.fixture(scope="module")
def site():
    {STARTS}
    return "site"


def test_site_one(site):
    assert site


def test_site_two(site):
    assert site


def test_site_and_hub(site, hub):  # joins this module's site to the session hub's group
    assert site and hub
"""


def tree(pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    stack: needs services\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_a="def test_admin(admin):\n    assert admin\n\n\ndef test_plain():\n    assert True\n",
        test_b="def test_hub(hub):\n    assert hub\n\n\ndef test_plain_too():\n    assert True\n",
        test_site=MODULE_SITE,
        test_alone=MODULE_SITE.replace("site_and_hub(site, hub)", "site_alone(site)").replace("site and hub", "site"),
    )
    pkg = pytester.mkpydir("pkg")
    (pkg / "conftest.py").write_text(PACKAGE_CONFTEST)
    # a module fixture that starts nothing the code shows (a helper of another module may): its tests still
    # share it, and may rely on each other's effects on it
    pytester.makepyfile(test_quiet="import pytest\n\n\n@pytest.fixture(scope='module')\ndef state():\n"
                                   "    return []\n\n\ndef test_first(state):\n    state.append(1)\n\n\n"
                                   "def test_second(state):\n    assert state == [1]\n")
    (pkg / "test_paths.py").write_text("def test_one(path_hub):\n    assert path_hub\n\n\n"
                                       "def test_two(path_hub):\n    assert path_hub\n")


def groups(pytester) -> dict[str, str]:
    """nodeid -> group of the grouped tests, found by a collection in this process (during it:
    pytester takes the tree's modules out of sys.modules afterwards)."""
    from tests.workers import group

    class Found:
        def pytest_collection_finish(self, session):
            self.groups = group(session.items)

    found = Found()
    pytester.inline_run("--collect-only", "-p", "no:cacheprovider", plugins=[found])
    return found.groups


def test_tests_sharing_a_hub_get_one_group_and_the_others_none(pytester, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    tree(pytester)
    found = groups(pytester)
    assert "test_a.py::test_plain" not in found and "test_b.py::test_plain_too" not in found
    # the session hub and a module's site one of whose tests uses both: one group, named after the hub
    for test in ("test_a.py::test_admin", "test_b.py::test_hub", "test_site.py::test_site_one",
                 "test_site.py::test_site_and_hub"):
        assert found[test] == "conftest::hub", test
    # a module's own site: a group of its own
    assert found["test_alone.py::test_site_one"] == found["test_alone.py::test_site_alone"] == \
        "test_alone.py::site"
    # a package's hub, once per parameter
    assert found["pkg/test_paths.py::test_one[exec]"] == found["pkg/test_paths.py::test_two[exec]"] == \
        "pkg::path_hub,path_hub=0"
    assert found["pkg/test_paths.py::test_one[fork]"] == "pkg::path_hub,path_hub=1"
    assert found["test_quiet.py::test_first"] == found["test_quiet.py::test_second"] == "test_quiet.py::state"


def test_two_workers_run_each_group_on_one_of_them(pytester, monkeypatch):
    """A real `-n 2 --dist loadgroup` run: the groups reach xdist's scheduler (tests/xdist_groups.py)."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.syspath_prepend(str(ROOT))
    record = pytester.path / "record.txt"
    monkeypatch.setenv("RECORD", str(record))
    tree(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup")
    result.assert_outcomes(passed=16)
    worker = dict(line.split() for line in record.read_text().splitlines())
    assert len(worker) == 16 and set(worker.values()) == {"gw0", "gw1"}, worker  # both worked
    by_group = collections.defaultdict(set)
    grouped = groups(pytester)
    for nodeid, ran_on in worker.items():
        by_group[grouped.get(nodeid, nodeid)].add(ran_on)
    assert len(by_group) == 5 + 2  # the hub, test_alone's site, path_hub twice, test_quiet's; two plain tests
    assert all(len(workers) == 1 for workers in by_group.values()), dict(by_group)


def test_each_worker_hands_out_ports_of_its_own(monkeypatch):
    """tests/harness.py's free_port: two workers never hand out the same port (each its residue class)."""
    from tests import harness

    monkeypatch.setattr(harness, "_HANDED_OUT", set())
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    handed = {}
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        handed[worker] = {harness.free_port() for _ in range(20)}
    assert {p % 2 for p in handed["gw0"]} == {0} and {p % 2 for p in handed["gw1"]} == {1}
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT")
    assert {harness.free_port() % 2 for _ in range(40)} == {0, 1}  # one process: the whole range
