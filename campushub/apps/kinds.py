"""The command line of an app server: our app proxy (jupyter-server-proxy's
standalone mode, singleuser/app_proxy.py) in front, and behind it the app,
started by app_run.py when the first authenticated request arrives.

Both are laid into every user environment as top-level modules
(singleuser/files.py), since CampusHub itself is not installed there.

Each framework is told the public path it is served under where it builds
its own links from it ({base_url} is jupyter-server-proxy's template: the
server's prefix, /user/<owner>/app-<slug>, without the trailing slash):
- Streamlit: --server.baseUrlPath, and the full path is proxied.
- Panel (Bokeh server): --prefix, full path proxied; websocket origins are
  left to the proxy, which checks them (same origin) before anything reaches
  Bokeh, whose own check would see the proxy's Host instead of the browser's.
- Voila (standalone voila, never a jupyter_server extension, so nothing of
  the contents API exists): --Voila.base_url, full path proxied.
- Dash: app_run.py imports the file and serves its Dash object (the file's
  own app.run under __main__ would start Flask's debugger); the proxy strips
  the prefix and Dash learns it from DASH_REQUESTS_PATHNAME_PREFIX.
- command: the prefix is stripped; {port} and {base_url} are offered.

The app always listens on 127.0.0.1:APP_PORT. Locally that address is
inside a network namespace of its own (bubblewrap), so no other account of
the machine reaches it: app_run.py relays a unix socket in a 0700 directory
of the proxy's to it. With passt's pasta installed, the namespace gets
outbound network (databases, web APIs) and nothing inbound (app_run.py
`net`); without it, only its own loopback. On Kubernetes the pod's loopback
is already private.
"""

from __future__ import annotations

import posixpath

from .model import AppSpec

APP_PORT = 8501
PROXY_MODULE = "campushub_app_proxy"
RUN_MODULE = "campushub_app_run"
# Seconds the proxy waits for a starting app before it answers with an error
# (jupyter-server-proxy's default, 5, is too short for Streamlit or Voila on a busy machine).
READY_TIMEOUT = 120
# The full path is proxied to frameworks told their base URL; the others get it stripped.
ABSOLUTE = {"streamlit": True, "panel": True, "voila": True, "dash": False, "command": False}
# The local namespace: the whole file system as it is (home, project folders,
# the server's private /tmp with the proxy's socket), but none of the host's
# network: its own loopback, and what pasta (if any) relays outwards.
BWRAP = ("--unshare-net", "--die-with-parent", "--dev-bind", "/", "/", "--")


def app_argv(spec: AppSpec, python: str) -> list[str]:
    """The app itself, listening on 127.0.0.1:APP_PORT, started in its file's
    folder (where its author ran it, so its relative paths hold)."""
    port = str(APP_PORT)
    file = _literal(posixpath.basename(spec.path))
    if spec.kind == "streamlit":
        return [python, "-m", "streamlit", "run", file, "--server.address", "127.0.0.1",
                "--server.port", port, "--server.headless", "true", "--server.baseUrlPath", "{base_url}",
                "--browser.gatherUsageStats", "false", "--global.developmentMode", "false"]
    if spec.kind == "panel":
        return [python, "-m", "panel", "serve", file, "--address", "127.0.0.1", "--port", port,
                "--prefix", "{base_url}", "--allow-websocket-origin", "*"]
    if spec.kind == "voila":
        return [python, "-m", "voila", file, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                "--Voila.port_retries=0", "--Voila.base_url={base_url}/", "--show_tracebacks=False"]
    if spec.kind == "dash":
        return [python, "-m", RUN_MODULE, "dash", file, port]
    if spec.kind == "command":
        return [_literal(arg).replace("{{port}}", port).replace("{{base_url}}", "{base_url}")
                for arg in spec.command]
    raise ValueError(f"unknown app kind {spec.kind!r}")


def server_argv(spec: AppSpec, python: str, bwrap: str | None, pasta: str | None = None) -> list[str]:
    """The server's whole command: the proxy, then (after --) what it starts.
    bwrap: the bubblewrap binary for the local network namespace; None where
    the loopback is private already (a pod). pasta: passt's pasta binary
    giving that namespace outbound network; None: no network but loopback."""
    # -I: the proxy is what checks logins, and it starts in the owner's home; without it a
    # ~/campushub_app_proxy.py (or one in ~/.local's site-packages) would run in its place
    proxy = [python, "-I", "-m", PROXY_MODULE, f"--timeout={READY_TIMEOUT}"]
    if ABSOLUTE[spec.kind]:
        proxy.append("--absolute-url")
    run = [python, "-I", "-m", RUN_MODULE, "run", str(APP_PORT)]
    folder = _literal(posixpath.dirname(spec.path) or ".")  # relative to the home, where the proxy starts
    if bwrap is None:
        proxy.append(f"--server-port={APP_PORT}")
        return [*proxy, "--", *run, "", folder, "--", *app_argv(spec, python)]
    proxy.append("--unix-socket=True")
    net = [python, "-I", "-m", RUN_MODULE, "net", pasta, "--"] if pasta else []
    return [*proxy, "--", *net, bwrap, *BWRAP, *run, "{unix_socket}", folder, "--", *app_argv(spec, python)]


def _literal(text: str) -> str:
    """text as itself through jupyter-server-proxy's str.format templates
    (a file named "{x}.py" would otherwise fail the start)."""
    return text.replace("{", "{{").replace("}", "}}")
