"""Where the `assignments` hub service runs in a release: a Deployment of
its own (render/assignments.py) behind a Service of this name, which the
hub's service entry, the proxy's route and the user servers all point at."""

from __future__ import annotations

NAME = "campushub-assignments"
PORT = 8080
# The chart makes an API token for each hub.services entry and keeps it in
# the hub's Secret under this key; the service's pod reads it from there.
HUB_SECRET = "hub"
TOKEN_KEY = "hub.services.assignments.apiToken"


def url() -> str:
    return f"http://{NAME}:{PORT}"
