"""The command line of an app server, per kind and per deployment."""

from __future__ import annotations

import pytest

from campushub.apps import kinds, model

PY = "/env/bin/python"


def spec(kind: str, path: str = "projects/churn/app.py", command=()) -> model.AppSpec:
    return model.AppSpec(kind=kind, path=path, command=tuple(command))


def render(argv: list[str], base_url: str = "/user/ann/app-x", unix_socket: str = "/tmp/jsp-1/socket") -> list[str]:
    """What jupyter-server-proxy makes of the command (its _render_template: str.format)."""
    return [a.format(port=0, unix_socket=unix_socket, base_url=base_url) for a in argv]


def test_locally_the_app_runs_in_its_own_network_namespace_behind_a_unix_socket():
    argv = render(kinds.server_argv(spec("streamlit"), PY, "/usr/bin/bwrap"))
    proxy, app = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    assert proxy[:4] == [PY, "-I", "-m", "campushub_app_proxy"]  # -I: nothing of the home shadows it
    assert "--unix-socket=True" in proxy and "--absolute-url" in proxy
    assert not any(a.startswith("--server-port") for a in proxy)
    assert app[:6] == ["/usr/bin/bwrap", "--unshare-net", "--die-with-parent", "--dev-bind", "/", "/"]
    run = app[app.index("campushub_app_run") - 3:]
    assert run[:9] == [PY, "-I", "-m", "campushub_app_run", "run", "8501", "/tmp/jsp-1/socket", "projects/churn", "--"]
    streamlit = run[9:]
    assert streamlit[:5] == [PY, "-m", "streamlit", "run", "app.py"]
    assert streamlit[streamlit.index("--server.baseUrlPath") + 1] == "/user/ann/app-x"
    assert streamlit[streamlit.index("--server.address") + 1] == "127.0.0.1"


def test_on_kubernetes_the_proxy_reaches_the_app_on_the_pods_loopback():
    argv = render(kinds.server_argv(spec("panel"), PY, None))
    assert "--server-port=8501" in argv and "--unix-socket=True" not in argv and "bwrap" not in " ".join(argv)
    run = argv[argv.index("campushub_app_run") - 2:]
    assert run[3:7] == ["run", "8501", "", "projects/churn"]
    assert run[run.index("--prefix") + 1] == "/user/ann/app-x"


def test_dash_is_served_by_our_runner_with_the_prefix_stripped():
    argv = render(kinds.server_argv(spec("dash", "work/board.py"), PY, "/usr/bin/bwrap"))
    assert "--absolute-url" not in argv
    assert argv[-6:] == [PY, "-m", "campushub_app_run", "dash", "board.py", "8501"]
    assert argv[argv.index("run") + 3] == "work"  # started in its folder


def test_voila_is_standalone_voila_at_the_servers_prefix():
    argv = render(kinds.server_argv(spec("voila", "work/report.ipynb"), PY, None))
    voila = argv[argv.index("voila") - 2:]
    assert voila[:4] == [PY, "-m", "voila", "report.ipynb"]
    assert "--Voila.base_url=/user/ann/app-x/" in voila and "--port=8501" in voila
    assert not any("jupyter_server" in a or "extension" in a for a in argv)


def test_a_command_gets_its_port_and_keeps_its_braces():
    argv = render(kinds.server_argv(spec("command", "", ["python", "-c", "print({1: 2})", "{port}", "{base_url}/"]),
                                    PY, "/usr/bin/bwrap"))
    assert argv[-5:] == ["python", "-c", "print({1: 2})", "8501", "/user/ann/app-x/"]
    assert argv[argv.index("run") + 3] == "."  # no file: started in the home


def test_file_names_with_braces_survive_the_templates():
    argv = render(kinds.server_argv(spec("streamlit", "work/{draft}/a{1}.py"), PY, "/usr/bin/bwrap"))
    assert "a{1}.py" in argv and "work/{draft}" in argv


@pytest.mark.parametrize("kind", ["streamlit", "dash", "panel", "voila"])
def test_every_kind_listens_on_the_apps_port_of_the_loopback(kind):
    path = "nb.ipynb" if kind == "voila" else "app.py"
    text = " ".join(kinds.app_argv(spec(kind, path), PY))
    assert "8501" in text and ("127.0.0.1" in text or kind == "dash")
