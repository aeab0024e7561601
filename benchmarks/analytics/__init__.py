"""Analytics overhead benchmark: the extra latency per cell execution with the `campushub_analytics`
server extension on against off, in one run.

    sudo .venv/bin/python -m benchmarks.analytics [--executions 2000] [--block 50] [--warmup 100] [--json out.json]

Run from the repository root, as root (it creates a temporary unix account:
Jupyter refuses to run as root). Two real Jupyter servers of the shared user
environment run side by side as that account (servers.py), the same but for
one line of config: one with the extension enabled, pointed at a tiny
records receiver in its own process (receiver.py) so it really spools and
sends, the other with it disabled. Each has a session on the same course
notebook, as JupyterLab opens one.

Over one kernel websocket per server (client.py), `pass` is executed with
the cell id in execute_request's metadata, as JupyterLab sends it, one
request at a time: first --warmup untimed executions on each, then
--executions timed ones per server in blocks of --block, alternating between
the servers (on-off, off-on, ...) so that drift and other load on the
machine fall on both alike. Times: request written -> execute_reply and
`status: idle` both received (and -> execute_reply alone).

Output (report.py): per server the median and p95, the difference of the
medians with a 95% bootstrap interval and the median of the neighbouring
blocks' differences; the records the receiver got from each server (the
extension is checked to have sent one execution record per execution, and
the disabled one nothing); the machine's load. A table on stdout, the JSON
(also to --json FILE). Servers, kernels, receiver, account and work dir go
in a finally block, also on Ctrl-C or SIGTERM.
"""
