"""How `campushub up` starts the hub (issue 14: restart time and the users API at 10,000 users)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout


def _imported(*args: str) -> tuple[set[str], str]:
    """The modules a fresh interpreter imports for `args` (python -X importtime), and its stdout."""
    run = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    return names, run.stdout


def test_the_hub_runs_without_the_iri_grammars():
    names, out = _imported("-m", "campushub.deploy.local.jupyterhub_main", "--version")
    assert out.strip().startswith(("5.", "6.")), out  # JupyterHub's own entry point answered
    assert "jupyterhub.app" in names and "jsonschema" in names
    # rfc3987_syntax is asked for and refused; lark is what it would compile ~40 grammars with (2.6 s of CPU)
    assert "lark" not in names


def test_the_private_tmp_check_imports_no_jupyterhub():
    names, _ = _imported("-c", "from campushub.deploy.local.spawner import private_tmp; private_tmp.check()")
    assert "campushub.deploy.local.forkserver.mounts" in names
    assert not {n for n in names if n.split(".")[0] in ("jupyterhub", "sqlalchemy", "alembic")}


def test_the_hub_up_runs_freezes_what_it_holds_since_its_start(hub):
    pid = processes.read_pid(Layout(hub.data_dir), "hub")
    assert b"campushub.deploy.local.jupyterhub_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    froze = re.findall(r"Froze (\d+) objects held since the start", (hub.data_dir / "logs" / "hub.log").read_text())
    assert froze and int(froze[-1]) > 10_000  # modules, config, ORM: what every full collection walked
