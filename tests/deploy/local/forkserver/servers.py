"""Running the real fork server from the site's user environment, and
requests shaped like the spawner's (JupyterHub's Spawner.get_env names)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from campushub.deploy.local.forkserver.mounts import mount_options
from campushub.deploy.local.spawner import fork_client

from ....harness import free_port, wait_for

PACKAGE = Path(fork_client.__file__).resolve().parent.parent / "forkserver"
# The package is not laid into the shared environment here (other tests use
# it); -I ignores PYTHONPATH, so the parent is started with it on sys.path.
FORK_SERVER_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # what `campushub up` gives it
BOOT = ("import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); "
        "runpy.run_module('campushub_forkserver', run_name='__main__', alter_sys=True)")


class _HubAPI(BaseHTTPRequestHandler):
    """Just enough of a hub for a single-user server to start: its version
    check (GET /hub/api) and activity reports. No hub is under test here."""

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"version": "6.1.1"}'
        self.send_response(200)
        self.send_header("X-JupyterHub-Version", "6.1.1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def fake_hub() -> ThreadingHTTPServer:
    """Serve until .shutdown(); its port is .server_address[1]."""
    hub = ThreadingHTTPServer(("127.0.0.1", 0), _HubAPI)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    return hub


@dataclass
class ForkServer:
    env_dir: Path
    directory: Path
    process: subprocess.Popen
    log: Path
    children: list[int] = field(default_factory=list)

    @property
    def socket(self) -> str:
        return fork_client.socket_path(str(self.directory), str(self.env_dir))

    @property
    def exits(self) -> str:
        return fork_client.exits_dir(str(self.directory), str(self.env_dir))

    def server(self) -> str:
        return str(self.env_dir / "bin" / "jupyterhub-singleuser")


def start(env_dir: Path, workdir: Path) -> ForkServer:
    """A fork server in `workdir` (which accounts may traverse: the socket's
    own 0700 directory is then the only barrier, as under a site's data dir)."""
    pkg = workdir / "pkg"
    pkg.mkdir(mode=0o700)
    (pkg / "campushub_forkserver").symlink_to(PACKAGE)
    directory = workdir / "forkservers"
    directory.mkdir(mode=0o700)
    log = workdir / "forkserver.log"
    server = ForkServer(env_dir, directory, None, log)
    with open(log, "ab") as out:
        server.process = subprocess.Popen(
            [str(env_dir / "bin" / "python"), "-I", "-c", BOOT, str(pkg), "--socket", server.socket,
             "--exits", server.exits],
            env=FORK_SERVER_ENV, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True, cwd="/")
    wait_for(lambda: server.process.poll() is not None or fork_client.ping(server.socket), 120,
             "the fork server to answer")
    assert server.process.poll() is None, log.read_text()
    return server


def stop(server: ForkServer) -> None:
    for pid in server.children:
        try:
            os.killpg(pid, signal.SIGKILL)  # each child leads its own session
        except OSError:
            pass
    server.process.terminate()
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def request(server: ForkServer, account, *, hub_port: int = 1, token: str | None = None, port: int | None = None,
            procs_files=(), private_tmp: bool = True, **extra) -> dict:
    """A spawn request for `account` (a pwd entry), as the spawner sends it."""
    port = port or free_port()
    user = account.pw_name
    prefix = f"/user/{user}/"
    token = token or secrets.token_hex(16)
    env = {
        "PATH": f"{server.env_dir}/bin:/usr/bin:/bin", "HOME": account.pw_dir, "USER": user, "SHELL": "/bin/bash",
        "LANG": "C.UTF-8", "JUPYTERHUB_API_TOKEN": token, "JPY_API_TOKEN": token,
        "JUPYTERHUB_CLIENT_ID": f"jupyterhub-user-{user}", "JUPYTERHUB_USER": user, "JUPYTERHUB_SERVER_NAME": "",
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub_port}/hub/api",
        "JUPYTERHUB_ACTIVITY_URL": f"http://127.0.0.1:{hub_port}/hub/api/users/{user}/activity",
        "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}{prefix}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_SCOPES": "[]", "JUPYTERHUB_OAUTH_ACCESS_SCOPES": "[]",
    }
    return {
        "argv": [server.server()], "env": env, "uid": account.pw_uid, "gid": account.pw_gid,
        "groups": sorted(set(os.getgrouplist(user, account.pw_gid))), "home": account.pw_dir,
        "cwd": account.pw_dir, "umask": 0o077, "procs_files": list(procs_files),
        "tmp_options": mount_options(256 * 2**20).decode() if private_tmp else None,
        "title": f"jupyterhub-singleuser {user}", "kernel_zygote": False, **extra,
    }


def launch(server: ForkServer, req: dict, log: Path) -> int:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        pid = fork_client.launch(server.socket, req, fd)
    finally:
        os.close(fd)
    server.children.append(pid)
    return pid


