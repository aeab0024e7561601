"""CampusHub analytics: which notebook cells a learner ran, recorded by their own server.

Installed into every user environment as the server extension
`campushub_analytics` (singleuser/files.py lays this folder into
site-packages and enables it in etc/jupyter/jupyter_server_config.d/). It
runs inside the learner's Jupyter server, as the learner, and imports
nothing of CampusHub. It reads the kernel messages that pass through the
server (the kernel websocket, both protocols), and the executions the
server runs itself for JupyterLab (jupyter-server-nbmodel's events,
server_side.py), so JupyterLab needs no extension of its own.

What is recorded, and only this (records.py builds every record):
- an execution: the notebook's path in the home, its course and path inside
  the course folder (when the notebook is in a course folder), the cell's id,
  ok / error / aborted, when it started and how long it took;
- a course notebook's cell ids in file order (no cell contents);
- whether each course synced before the server started.
Never recorded: the code of a cell, its outputs, error messages or
tracebacks, variables, or anything else in the kernel.

Records are appended to ~/.local/share/campushub/analytics/ (0700) first
and sent every CAMPUSHUB_ANALYTICS_FLUSH_S seconds (default 5) to the hub
service `analytics` (CAMPUSHUB_ANALYTICS_URL) with the server's own
JUPYTERHUB_API_TOKEN; the service takes the learner from that token. While
the service is unreachable they wait on disk. Without
CAMPUSHUB_ANALYTICS_URL nothing is recorded (said once in the log).

To switch it off for a server or an environment, disable the extension:
    c.ServerApp.jpserver_extensions = {"campushub_analytics": False}
or `jupyter server extension disable campushub_analytics`.
"""

from .app import AnalyticsApp


def _jupyter_server_extension_points():
    return [{"module": "campushub_analytics", "app": AnalyticsApp}]
