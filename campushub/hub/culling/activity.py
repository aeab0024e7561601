"""How fresh the hub's idea of each server's last activity is. JupyterHub's
defaults (servers report every 5 minutes, the hub reads the proxy's every 5
minutes) could leave a server that is in use looking idle for up to 10
minutes: with a short timeout it would be stopped under its user's hands."""

from __future__ import annotations

from ...config.culling import activity_interval, enabled


def apply(c, config: dict, spawner_section: str) -> None:
    if not enabled(config):
        return  # nothing depends on it: JupyterHub's defaults, and fewer writes to its database
    seconds = activity_interval(config)
    c.JupyterHub.last_activity_interval = seconds
    # activity from the servers' own reports only (route_activity.py)
    c.RouteActivity.route_activity = False
    # .update(): on top of what a parent class's section holds (a chart's KubeSpawner.environment)
    getattr(c, spawner_section).environment.update({"JUPYTERHUB_ACTIVITY_INTERVAL": str(seconds)})
