"""The fast tier: `pytest -m "not stack"` leaves out exactly the tests that start services.

Run on a throwaway test tree with pytester; the calls that start services are
only written into its files, never run (the marker is decided from the source).
They are spelled in pieces here so that this module itself stays in the fast tier.
"""

from __future__ import annotations

pytest_plugins = ["pytester"]

HUB = "Hub." + "create(tmp)"
SLAPD = "LDAPServer." + "start(tmp)"

CONFTEST = f"""
import pytest

from tests.tiers import mark_stack


@pytest.fixture
def hub(tmp_path):
    tmp = tmp_path
    return {HUB}


@pytest.fixture
def admin(hub):  # starts nothing itself: only through `hub`
    return hub


def pytest_collection_modifyitems(items):
    mark_stack(items)
"""


def collected(pytester, *args: str) -> set[str]:
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", *args)
    return {line.split("::")[-1] for line in result.outlines if "::" in line}


def test_tests_that_start_services_are_left_out_of_the_fast_tier(pytester):
    pytester.makeini("[pytest]\nmarkers =\n    stack: needs services\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_units="def test_plain():\n    assert True\n\n\ndef test_through_admin(admin):\n    assert admin\n",
        test_directory=f"def directory(tmp):\n    return {SLAPD}\n\n\n"
                       "def test_in_a_module_with_slapd():\n    assert True\n",
        test_marked="import pytest\n\n\n@pytest.mark.stack\ndef test_marked_by_hand():\n    assert True\n",
    )
    assert collected(pytester, "-m", "not stack") == {"test_plain"}
    assert collected(pytester, "-m", "stack") == {"test_through_admin", "test_in_a_module_with_slapd",
                                                  "test_marked_by_hand"}
