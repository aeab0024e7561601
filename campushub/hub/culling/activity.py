"""Where the hub's idea of each server's last activity comes from, and how
fresh it is. With culling on: from the servers' own reports only, not from
the proxy's traffic (route_activity.py), and those reports come often
enough for the timeout. JupyterHub's default (a report every 5 minutes)
could leave a server in use looking idle for that long: with a short
timeout it would be stopped under its user's hands."""

from __future__ import annotations

from ...config.culling import activity_interval, enabled


def apply(c, config: dict, spawner_section: str) -> None:
    if not enabled(config):
        return  # nothing depends on it: JupyterHub's defaults, and fewer writes to its database
    c.RouteActivity.route_activity = False
    # .update(): on top of what a parent class's section holds (a chart's KubeSpawner.environment)
    getattr(c, spawner_section).environment.update(
        {"JUPYTERHUB_ACTIVITY_INTERVAL": str(activity_interval(config))})
