"""Project data on this machine: a folder per project under projects.root that
only the project's members can open, through a unix group per project.

- groups.py: the project's unix group (its name, our gid range, membership);
- folders.py: the root and the project folders, their owner, mode and ACLs;
- home_links.py: the `~/projects/<name>` links, made by the person's own account;
- at_start.py: what a server start does with them (SystemUserSpawner.start).

Membership is read at each start: JupyterHub's groups are the truth, the unix
groups follow them when a member's server starts.
"""
