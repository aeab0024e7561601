"""What `campushub up` imports before the hub answers (issue 14: restart time at 10,000 users)."""

from __future__ import annotations

import subprocess
import sys


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
