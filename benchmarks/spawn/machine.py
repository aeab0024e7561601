"""The machine and the software a run measured, for the JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

from .common import ROOT


def machine_info() -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    cpu_model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "kernel": platform.release(),
        "cpu_model": cpu_model,
        "os": os_name(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def software_info(env_dir: Path, chp: Path) -> dict:
    import jupyterhub

    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('jupyterhub', 'jupyter_server', 'jupyterlab', 'ipykernel')}))")
    try:
        env = json.loads(subprocess.run([str(env_dir / "bin" / "python"), "-c", code],
                                        capture_output=True, text=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        env = {"error": str(e)}
    chp_version = "unknown"
    for pkg in (chp.resolve().parent.parent / "package.json",
                chp.parent.parent / "configurable-http-proxy" / "package.json"):
        try:
            chp_version = json.loads(pkg.read_text())["version"]
            break
        except (OSError, ValueError, KeyError):
            continue
    return {"hub_jupyterhub": jupyterhub.__version__, "user_env": str(env_dir), "user_env_packages": env,
            "configurable_http_proxy": {"path": str(chp), "version": chp_version},
            "campushub_git": git_revision()}


def git_revision() -> dict:
    def git(*a):
        r = subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    return {"commit": git("rev-parse", "HEAD"),
            "campushub_modified": bool(git("status", "--porcelain", "--", "campushub"))}
