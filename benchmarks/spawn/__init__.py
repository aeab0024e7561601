"""Spawn benchmark: stock JupyterHub vs CampusHub, alternating, in one run.

    sudo .venv/bin/python -m benchmarks.spawn [--users 20] [--rounds 3] [--json out.json]

Run from the repository root, as root: it creates unix accounts. Both hubs
are started once, on free ports on 127.0.0.1, and kept running for the whole run:
  stock      `python -m jupyterhub` with a generated config (stock.py):
             LocalProcessSpawner running the shared environment's
             jupyterhub-singleuser, the same configurable-http-proxy binary
             (started by the hub, as stock does), accounts bench-stockPPPPP-NN;
  campushub  `campushub up` through tests.harness.Hub, site defaults for the
             limits, hub users bench-NN (unix accounts chtPPPPP-bench-NN).
PPPPP is this process's pid, so concurrent runs never touch each other.

Per round, each phase runs on stock and then at once on CampusHub, so every
pair of measurements is seconds apart and load from elsewhere on the machine
falls on both alike (phases.py):
  new      one spawn of a hub user seen for the first time. CampusHub creates
           the unix account inside the spawn (useradd); stock needs it
           beforehand, so the benchmark creates it untimed.
  single   --repeat sequential spawns of one user whose account exists.
  many     --users concurrent spawns (one thread per user), accounts exist.
For every spawn (spawning.py): seconds from POST /hub/api/users/NAME/server
to servers[""].ready, to the server process existing and to the server
logging that it listens, and to the first execution result (`5*4` over the
kernel websocket, reply `20`). Meanwhile /proc/PID/schedstat says how long the
servers ran and waited for a CPU, and /proc/stat how much CPU everything else
on the machine took (cpu.py). Then the idle server + kernel memory once it
stops changing (accounts.py), and every server is stopped and its processes
are gone before the next phase starts. At the end CampusHub's spawner steps
are timed one by one and cgroup_probe.py compares the CPU that busy loops get
in CampusHub's cgroup layout and in stock's (steps.py).

Output: a table on stdout, then the JSON (also to --json FILE) (report.py).
Cleanup (servers, hubs, proxies, accounts, cgroups, temp dirs) runs in a
finally block, also on Ctrl-C or SIGTERM (hubs.py).
"""
