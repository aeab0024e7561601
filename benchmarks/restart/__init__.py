"""Restart time and the users API of a hub that knows 10,000 people, CampusHub against stock JupyterHub.

Run as root from the repository root: `python -m benchmarks.restart`. Each
hub first starts once on an empty database (so it creates and migrates it
itself) and stops; then the same people (population.py: 10,000 by default,
in course groups, some admins) are written into both databases. Each round
then, the two hubs one after the other (which one first alternates):

- restart: `campushub down` then `campushub up` (the fork servers, proxy,
  hub and services of a site with the defaults), against stopping stock
  JupyterHub and starting it again (`python -m jupyterhub`, which starts its
  own configurable-http-proxy); the time is from starting the command until
  GET /hub/api/ answers 200 through the proxy (asked every 20 ms). For
  CampusHub the time until `up` says the site runs (its services started
  too) is reported beside it.
- users API: GET /hub/api/users?limit=200 through the proxy with a service
  token, one keep-alive connection per hub, in blocks that alternate
  between the hubs so that the machine's other load falls on both alike.

Prints a table and the JSON (`--json FILE`). Cleans up after itself.
"""
