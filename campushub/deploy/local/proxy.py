"""configurable-http-proxy from the npm registry, one prefix per version.

A versioned prefix means upgrading CHP_VERSION installs beside the old proxy
instead of replacing files a running proxy has loaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .errors import InstallError
from .userenv import run_logged

CHP_VERSION = "5.2.0"  # the version the Zero to JupyterHub chart 4.x runs; needs Node.js >= 20


def proxy_bin_for(root: Path, version: str = CHP_VERSION) -> Path:
    return Path(root) / f"chp-{version}" / "node_modules" / ".bin" / "configurable-http-proxy"


def ensure_proxy(root: Path, version: str = CHP_VERSION, progress: Callable[[str], None] | None = None) -> Path:
    """Install configurable-http-proxy@version under root unless present; return its binary."""
    say = progress or (lambda message: None)
    binary = proxy_bin_for(root, version)
    if binary.exists():
        say(f"using existing configurable-http-proxy {version}")
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm not found; configurable-http-proxy needs Node.js >= 20 and npm (apt-get install nodejs npm)")
    prefix = binary.parents[2]
    logs = Path(root) / "logs"
    for d in (Path(root), prefix):
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o755)
    logs.mkdir(mode=0o700, exist_ok=True)
    log = logs / f"chp-{version}.log"
    log.write_text("")
    say(f"installing configurable-http-proxy {version} with npm")
    cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"configurable-http-proxy@{version}"]
    run_logged(cmd, log, f"npm install configurable-http-proxy@{version}")
    if not binary.exists():
        raise InstallError(f"npm install finished but {binary} is missing; see {log}")
    # 5.3.0's commander 15 is ESM-only and declares node >= 22.12; node 20
    # runs it only from 20.19 on (require of ESM), so prove it starts here
    run_logged([str(binary), "--version"], log, f"starting configurable-http-proxy {version} with this node")
    return binary
