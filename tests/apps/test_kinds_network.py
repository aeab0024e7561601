"""The local app command with outbound network (passt's pasta): app_run.py's
`net` starts bubblewrap's namespace and attaches pasta to it."""

from __future__ import annotations

from campushub.apps import kinds, model
from campushub.singleuser import app_run

PY = "/env/bin/python"


def test_with_pasta_the_namespace_is_started_by_app_runs_net_around_the_same_bubblewrap_command():
    spec = model.AppSpec(kind="streamlit", path="projects/churn/app.py", command=())
    plain = kinds.server_argv(spec, PY, "/usr/bin/bwrap")
    argv = kinds.server_argv(spec, PY, "/usr/bin/bwrap", "/usr/bin/pasta")
    app = argv[argv.index("--") + 1:]
    assert app[:7] == [PY, "-I", "-m", "campushub_app_run", "net", "/usr/bin/pasta", "--"]
    # the rest is the namespace without network, unchanged: bubblewrap, then the app behind the socket
    assert app[7:] == plain[plain.index("--") + 1:]
    assert app[7:9] == ["/usr/bin/bwrap", "--unshare-net"]


def test_pasta_forwards_nothing_inwards_and_keeps_the_hosts_loopback_out_of_reach():
    flags = app_run.PASTA
    # pasta's defaults: every port the app listens on forwarded from the host (-t/-u auto), the
    # host's loopback ports mirrored in (-T/-U auto) and the gateway address mapped to the host's loopback
    for option in ("-t", "-u", "-T", "-U"):
        assert flags[flags.index(option) + 1] == "none"
    assert "--no-map-gw" in flags and "-f" in flags
