"""The process side of a hub service (`python -m campushub.NAME.service`):
its settings from the environment JupyterHub and CampusHub give it, and
serving until SIGTERM (or SIGINT).

Environment, with NAME upper-cased (ASSIGNMENTS, ANALYTICS):
  CAMPUSHUB_CONFIG        the site configuration `up` writes (JSON or YAML)
  CAMPUSHUB_NAME_DB_URL   the database (else NAME.db_url, else SQLite in the data dir)
  CAMPUSHUB_NAME_DIR      its private folder (cookie secret, database on a PVC)
  CAMPUSHUB_NAME_BIND     the address to listen on (default: the host of JUPYTERHUB_SERVICE_URL when
                          it is an address, else all interfaces, as in a Kubernetes pod)
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.web import Application

from ..config import loader
from ..config.errors import ConfigError
from . import db

log = logging.getLogger("campushub.webservice")


def env(name: str, what: str) -> str:
    """$CAMPUSHUB_{NAME}_{WHAT}, or ""."""
    return os.environ.get(f"CAMPUSHUB_{name.upper()}_{what}") or ""


def site_config() -> dict:
    path = os.environ.get("CAMPUSHUB_CONFIG")
    return loader.load(path) if path else loader.defaults()


def boot(command: str) -> dict | None:
    """Log as every service logs and load the site configuration; None, after one line on stderr
    naming `campushub <command>`, when it is bad (the service then exits 2)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return site_config()
    except ConfigError as e:
        print(f"campushub {command}: {e}", file=sys.stderr)
        return None


def prefix(name: str) -> str:
    """The service's URL prefix: JupyterHub's variable, else /services/<name>/."""
    return os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or f"/services/{name}/"


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # learners' data: only the service reads it
    return path


def state_dir(config: dict, name: str) -> Path:
    return private_folder(Path(env(name, "DIR") or Path(config["data_dir"]) / name))


def database_url(config: dict, name: str, folder: Path) -> str:
    """The environment's, else NAME.db_url, else SQLite NAME.sqlite in the service's folder (a PVC on
    Kubernetes), or in the data dir's NAME folder when no folder was given by the environment."""
    explicit = env(name, "DB_URL") or (config.get(name) or {}).get("db_url")
    if explicit:
        return explicit
    if env(name, "DIR"):
        return db.sqlite_url(folder, name)
    return db.default_url(config["data_dir"], name)


SECRET_BYTES = 32


def _read_secret(path: Path) -> bytes | None:
    try:
        found = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return found if len(found) == SECRET_BYTES else None


def cookie_secret(folder: Path) -> bytes:
    """Kept across restarts so that people stay signed in to the service. Written whole (synced, then
    linked into place): a file cut short by a crash or a power cut gave a short or empty secret, or
    stopped the service at every start on a half-written hex digit; such a file is made again."""
    path = folder / "cookie_secret"
    found = _read_secret(path)
    if found is not None:
        return found
    secret = secrets.token_bytes(SECRET_BYTES)
    tmp = folder / f"cookie_secret.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex())
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # only where there is none: two processes starting at once agree on one
        except FileExistsError:
            if _read_secret(path) is None:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:  # a read-only folder (a pod without a volume): sign in again after a restart
        return secret
    return _read_secret(path) or secret


def listen_address(config: dict, name: str, default_port: int) -> tuple[str, int]:
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL") or "")
    port = url.port or (config.get(name) or {}).get("port") or default_port
    bind = env(name, "BIND")
    if not bind:
        try:
            bind = str(ipaddress.ip_address(url.hostname or ""))
        except ValueError:
            bind = "127.0.0.1" if url.hostname == "localhost" else ""
    return bind, port


def hub_urls(config: dict) -> tuple[str, str]:
    """(the hub's URL prefix /.../hub/ for links on pages, its API URL) from JupyterHub's variables, else the
    site's. With hub.subdomain_host a service has an origin of its own (<name>--service.<host>), where the
    hub's login cookie is not sent: links to the hub's pages carry the hub's origin."""
    hub_prefix = (os.environ.get("JUPYTERHUB_BASE_URL") or config["hub"]["base_url"]).rstrip("/") + "/hub/"
    api_url = os.environ.get("JUPYTERHUB_API_URL") or f"http://127.0.0.1:{config['hub']['hub_port']}{hub_prefix}api"
    return (config["hub"].get("subdomain_host") or "") + hub_prefix, api_url


def serve(app: Application, address: tuple[str, int], banner: str,
          started: Callable[[], None] | None = None) -> None:
    """Serve ``app`` until SIGTERM or SIGINT; ``started`` runs on the loop first (timers)."""
    bind, port = address
    # Twice the cap at the connection: a body a little over it still gets BaseHandler's one-line 413.
    server = HTTPServer(app, xheaders=True, max_body_size=app.settings["max_body"] * 2)
    server.listen(port, bind)
    log.info("%s on %s:%d", banner, bind or "*", port)
    loop = IOLoop.current()

    def stop(signum, _frame):
        log.info("signal %d: stopping", signum)
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if started is not None:
        loop.add_callback(started)
    loop.start()
    server.stop()
