"""The fork server: single-user servers forked from a parent that has already
imported the Jupyter stack, instead of each paying ~2.6 CPU-s of imports.

Laid into each local user environment as the package campushub_forkserver
and run there as root by `campushub up`. Stdlib only, relative imports only:
CampusHub itself is not installed in the user environment. The hub side is
deploy/local/spawner/fork_client.py; the security review is docs/security.md.
"""
