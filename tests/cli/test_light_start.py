"""Every `campushub` command imports all command modules to build its parser.
When one of them imported JupyterHub's ORM or jsonschema's IRI grammars at the
top, each command took 4.8 s of CPU instead of 0.8 s, and so did every CLI
test in the fast tier. What they need is imported where it is used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("jupyterhub.orm", "sqlalchemy", "rfc3987_syntax", "kubernetes_asyncio", "tornado.web")
CODE = f"""
import sys
from campushub.cli.main import main
status = main(["config", "check", sys.argv[1]])
print(status, [m for m in {HEAVY!r} if m in sys.modules])
"""


def test_a_command_imports_nothing_heavy_it_does_not_use(tmp_path):
    bad = tmp_path / "campushub.yaml"
    bad.write_text("limits:\n  cpu: -1\n")
    out = subprocess.run([sys.executable, "-c", CODE, str(bad)], capture_output=True, text=True, timeout=120)
    assert out.stdout.split(maxsplit=1) == ["2", "[]\n"], out.stdout + out.stderr
