"""What runs in the hub's pod and the help service needs neither the portal's builder nor Markdown: the
hub image is JupyterHub's with our lock, and a hub that failed to import for want of a builder's library
would be down for everyone. Checked in a fresh interpreter, where nothing else imported them first."""

from __future__ import annotations

import subprocess
import sys

RUNTIME = ("campushub.deploy.kubernetes.hub_config", "campushub.deploy.kubernetes.spawner",
           "campushub.deploy.local.hub_config", "campushub.help.service")
BUILDER = ("markdown", "markdown_it", "mkdocs", "material", "mkdocs_static_i18n", "campushub.help.build")


def test_the_hub_and_the_help_service_import_no_builder():
    code = ("import importlib, sys\n"
            f"for name in {RUNTIME!r}: importlib.import_module(name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BUILDER!r} or m in {BUILDER!r}))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]", run.stdout
