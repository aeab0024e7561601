"""Projects: JupyterHub groups marked as projects, with a shared folder or
volume only their members can open (docs/projects.md)."""
