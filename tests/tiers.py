"""The `stack` marker: tests that need real services running, found by looking at their code.

`pytest -m "not stack"` is the fast tier for everyday work; CI runs everything.
A test is in the stack tier when its module, or the source of any fixture it
uses (conftest fixtures included, however indirectly), starts a hub, slapd,
PostgreSQL, an OIDC provider, a browser, or builds an environment or proxy.
Reading the code rather than keeping a list means a new test that uses
`hub` or `postgres`, or a new module that calls Hub.create, is sorted
without anybody remembering to mark it. Where this cannot see a service (one
started through a helper defined in another module), mark the test
`@pytest.mark.stack` by hand.
"""

from __future__ import annotations

import inspect
import re
from functools import cache

import pytest

STARTS_SERVICES = re.compile(
    r"\bHub\.create\(|\.up\(|\b(?:Postgres|LDAPServer|OIDCProvider|Gateway)\.start\(|sync_playwright\(|"
    r"\bensure_(?:user_env|environments|proxy)\(|\bhub_venv\(|\"content\", \"check\""
)


@cache
def _starts_services(obj) -> bool:
    try:
        return bool(STARTS_SERVICES.search(inspect.getsource(obj)))
    except (OSError, TypeError):
        return False


def needs_stack(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    if module is not None and _starts_services(module):
        return True
    info = getattr(item, "_fixtureinfo", None)  # the fixture closure, as pytest resolved it for this test
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in (info.name2fixturedefs.get(name, ()) if info else ()):
            if _starts_services(fixturedef.func):
                return True
    return False


def mark_stack(items: list[pytest.Item]) -> None:
    for item in items:
        if "stack" not in item.keywords and needs_stack(item):
            item.add_marker(pytest.mark.stack)


def lean_jsonschema() -> None:
    """Import jsonschema without rfc3987_syntax, as campushub/config/loader.py does.

    With rfc3987_syntax installed (JupyterHub's jupyter_events brings it)
    jsonschema compiles ~40 grammars on import: 2.6 s of the fast tier's CPU,
    through kubernetes-validate at collection. No test checks IRI formats.
    """
    import sys

    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # an ImportError for jsonschema, which it handles
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]
