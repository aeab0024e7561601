"""Bulk users and groups: a CSV of people (username, display name, groups,
admin) imported into the hub and exported back.

Everything runs inside the hub process (handlers.py, page.py), so the local
site, a Kubernetes hub, the `campushub users` command and the admin page
share one implementation and one database: the hub's own.
"""
