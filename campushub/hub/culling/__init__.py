"""Stopping idle servers: jupyterhub-idle-culler, run by the hub itself as a
managed service (command.py) in both deployments, with our decision hook
(arbiter.py) for what the culler cannot express: longer limits for some
groups and admins left alone."""
