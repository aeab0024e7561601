"""Auth types: `auth.type` in campushub.yaml -> the module that configures it.

An auth type is two things: its section `auth.<type>` in the schema
(config/schema.yaml, with the checks the schema cannot express, see
config/auth_sections.py) and one module, `campushub.hub.auth.<type>`, whose
configure function carries `@auth_type("<type>")`. The module is found by
its name and imported only when its type is chosen, so a hub never imports
(or needs installed) the libraries of the types it does not use.

A type from outside the package calls `register(name, configure, schema=...)`
with its schema section; the configuration check knows it from then on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ...config import auth_sections


@dataclass(frozen=True)
class Deployment:
    """What only the deployment knows (the local data dir); empty on Kubernetes."""

    bootstrap_admin_file: str = ""


NEUTRAL = Deployment()


@dataclass(frozen=True)
class AuthType:
    name: str
    configure: Callable  # (c, config, deployment=NEUTRAL) -> None
    # True: the authenticator has IdentityMixin's admin_groups trait, which
    # configure_identity fills from roles.admin_groups; False: the type's
    # configure looks after roles.admin_groups itself.
    admin_groups_trait: bool = True


TYPES: dict[str, AuthType] = {}


def register(name: str, configure: Callable, *, schema: dict | None = None,
             admin_groups_trait: bool = True) -> AuthType:
    entry = TYPES[name] = AuthType(name, configure, admin_groups_trait)
    if schema is not None:
        auth_sections.add(name, schema)
    return entry


def unregister(name: str) -> None:
    TYPES.pop(name, None)
    auth_sections.remove(name)


def auth_type(name: str, *, admin_groups_trait: bool = True):
    """Decorator for a built-in type's configure function (its schema section is in schema.yaml)."""
    def decorate(configure: Callable) -> Callable:
        register(name, configure, admin_groups_trait=admin_groups_trait)
        return configure
    return decorate


def get(name: str) -> AuthType:
    if name not in TYPES:
        module = f"{__package__}.{name}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise  # the type's module is there; a library it needs is not
        if name not in TYPES:
            raise LookupError(f"auth.type {name!r}: no module {module} registers it (@auth_type({name!r}))")
    return TYPES[name]
