"""Where the `assignments` hub service runs in a release (service_place.py):
a Deployment of its own (render/assignments.py) behind a Service of this
name."""

from __future__ import annotations

from .service_place import ASSIGNMENTS, HUB_SECRET, PORT

NAME = ASSIGNMENTS.name
TOKEN_KEY = ASSIGNMENTS.token_key
__all__ = ["HUB_SECRET", "NAME", "PORT", "TOKEN_KEY", "url"]


def url() -> str:
    return ASSIGNMENTS.url()
