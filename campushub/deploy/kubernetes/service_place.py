"""Where one of our hub services runs in a release: a Deployment of its own
(render/hub_service.py) behind a Service named campushub-<service>, which the
hub's service entry, the proxy's route and the user servers all point at.
The hub's configuration and the rendered objects take the names from here,
so the two cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from ...config.analytics import enabled as analytics_enabled
from ...config.assignments import enabled as assignments_enabled
from ...config.help import enabled as help_enabled
from ...config.jobs import enabled as jobs_enabled
from ...config.remote_kernels import enabled as remote_kernels_enabled
from ...hub.services import projects_enabled

PORT = 8080
# The chart makes an API token for each hub.services entry and keeps it in
# the hub's Secret (templates/hub/secret.yaml); the service's pod reads it there.
HUB_SECRET = "hub"


@dataclass(frozen=True)
class Place:
    service: str  # the hub service's name (hub/services.py)
    metrics: bool = True  # it serves Prometheus metrics at {prefix}metrics (render/monitoring.py scrapes it)

    @property
    def name(self) -> str:
        """The Deployment's, Service's, claim's and NetworkPolicy's name."""
        return f"campushub-{self.service}"

    @property
    def port(self) -> int:
        return PORT

    @property
    def token_key(self) -> str:
        return f"hub.services.{self.service}.apiToken"

    def url(self) -> str:
        return f"http://{self.name}:{PORT}"


ASSIGNMENTS = Place("assignments")
ANALYTICS = Place("analytics")
PROJECTS = Place("projects")
REMOTE_KERNELS = Place("remote-kernels")
JOBS = Place("jobs")
HELP = Place("help", metrics=False)  # static pages: nothing to count


def running(config: dict) -> list[Place]:
    """Our services this configuration runs, each in a Deployment of its own."""
    return [p for p, on in ((ASSIGNMENTS, assignments_enabled), (ANALYTICS, analytics_enabled),
                            (PROJECTS, projects_enabled), (JOBS, jobs_enabled),
                            (REMOTE_KERNELS, remote_kernels_enabled), (HELP, help_enabled)) if on(config)]
