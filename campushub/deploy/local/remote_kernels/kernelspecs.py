"""One kernelspec per profile, campushub-<profile>, for Enterprise Gateway.

Each has EG's LocalProcessProxy run our root launcher (launch.py) with the
site configuration's path and the profile's name; the launcher reads the
profile's limits afresh at every start, so only names and display names
live here. EG finds them through JUPYTER_PATH (gateway.py)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from ....config import remote_kernels

LOCAL_PROXY = "campushub_gateway.LocalKernel"  # EG's LocalProcessProxy, taken back after a restart (eg_app.py)
LAUNCHER = "campushub.deploy.local.remote_kernels.launch"


def spec(config_file: Path, profile: str, entry: dict, python: str = sys.executable) -> dict:
    return {
        # -I: no current folder, user site or PYTHON* variables in a process that starts as root
        "argv": [python, "-I", "-m", LAUNCHER, "--config", str(config_file), "--profile", profile,
                 "{connection_file}"],
        "display_name": entry["display_name"],
        "language": "python",
        "interrupt_mode": "signal",  # EG signals the launcher's process group, the kernel included
        "metadata": {"process_proxy": {"class_name": LOCAL_PROXY}},
    }


def write(config: dict, config_file: Path, share: Path, python: str = sys.executable) -> list[str]:
    """Write the kernelspecs under share/kernels (EG's JUPYTER_PATH), removing
    those of profiles no longer configured; the names written, in the file's order."""
    kernels = share / "kernels"
    kernels.mkdir(parents=True, exist_ok=True)
    names = []
    for profile, entry in remote_kernels.profiles(config).items():
        name = remote_kernels.kernelspec_name(profile)
        folder = kernels / name
        folder.mkdir(exist_ok=True)
        tmp = folder / "kernel.json.tmp"
        tmp.write_text(json.dumps(spec(config_file, profile, entry, python), indent=1))
        os.replace(tmp, folder / "kernel.json")
        names.append(name)
    for stale in kernels.iterdir():
        if stale.name not in names and stale.name.startswith(remote_kernels.KERNELSPEC_PREFIX):
            shutil.rmtree(stale)
    return names
