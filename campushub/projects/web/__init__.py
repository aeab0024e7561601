"""The projects page: a hub service (hub OAuth) listing a person's projects,
with their members, owners, data and shared apps, and the JSON API under
api/ with the same rules (docs/projects.md)."""
