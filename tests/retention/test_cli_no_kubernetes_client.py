"""`campushub retention ... --target kubernetes` on a machine without the
kubernetes extra: one line saying what to install, not a traceback. The
client's absence is made real for the child process (the import system is
told the module does not exist); nothing is reached over the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import sys
from pathlib import Path
sys.modules["kubernetes_asyncio"] = None  # as if the package were not installed
from campushub.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_the_kubernetes_client_one_line_says_what_to_install(tmp_path):
    config = tmp_path / "campushub.yaml"
    config.write_text(json.dumps({"data_dir": str(tmp_path / "data"), "retention": {
        "enabled": True, "rules": [{"group": "done"}], "kubernetes": {"archive_volume": {"claim": "archives"}}}}))
    r = subprocess.run([sys.executable, "-c", CHILD, "retention", "plan", "--target", "kubernetes",
                        "--config", str(config), "--url", "http://127.0.0.1:9"], capture_output=True, text=True,
                       env={**os.environ, "CAMPUSHUB_API_TOKEN": "unused"}, cwd=Path(__file__).parents[2], timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert "pip install 'campushub[kubernetes]'" in r.stderr and r.stderr.count("\n") == 1
