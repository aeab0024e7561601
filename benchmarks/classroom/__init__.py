"""Classroom benchmark: a class of learners arriving within a minute, stock JupyterHub vs CampusHub.

    sudo .venv/bin/python -m benchmarks.classroom [--users 20,60,100] [--window 60] [--rounds 1] [--json out.json]

Run from the repository root, as root (it creates unix accounts). Both hubs
are those of the spawn benchmark (benchmarks/spawn/hubs.py): stock
JupyterHub 6.1.1 with LocalProcessSpawner and CampusHub's `campushub up`,
the same user environment and configurable-http-proxy, on free ports on
127.0.0.1, started once and kept for the whole run. Both check passwords
against one private slapd with the same learner accounts (directory.py
says why LDAP).

Each learner (learner.py) arrives at its time in the window and does what a
browser does through the proxy: the login form with its _xsrf, the
redirects to the spawn and the pending page, the progress event stream
until ready, JupyterLab's page (with the OAuth dance), a kernel through
api/kernels, `5*4` over the kernel websocket. All learners run as asyncio
tasks in this one process (aiohttp), one connection pool, one cookie jar
each (crowd.py); the process's own CPU is reported.

Per round: first one learner alone (--repeat times; spawn -> ready), then a
class of each size in --users; each on both hubs back to back, the hub that
goes first alternating round by round (lesson.py). After each class: hub
and proxy CPU, the learners' processes' PSS once idle, whether each
CampusHub server came from the fork server or was exec'd (its parent
process, servers.py), then every server stopped and its processes gone.

Output: a table on stdout, the JSON (also to --json FILE) (report.py).
Cleanup (servers, hubs, proxies, slapd, accounts, cgroups, temp dirs) runs
in a finally block, also on Ctrl-C or SIGTERM.
"""
