"""Fetch the Zero to JupyterHub chart files the Kubernetes tests check
rendered values against (tests/deploy/kubernetes/chart.py reads them from
CAMPUSHUB_Z2JH_CHART), so CI on a clean clone runs those tests instead of
skipping them. They go into a cache outside the project, never into it.

    python3 scripts/z2jh_chart.py DIR     (exit 0: DIR holds the three files)

The files come from the chart's repository at the release tag (the packaged
chart carries a generated values.schema.json instead of the schema's source)
and each must match its hash, so a moved tag or a proxy's error page is
refused rather than tested against. Standard library only: it runs before
any test dependency is installed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
from pathlib import Path

RELEASE = "4.4.0"
BASE = os.environ.get(
    "CAMPUSHUB_Z2JH_CHART_URL",
    f"https://raw.githubusercontent.com/jupyterhub/zero-to-jupyterhub-k8s/{RELEASE}/jupyterhub/",
)
FILES = {
    "values.yaml": "d61742ce43e33262bb8fa0d68b6b9e7a7b229a3c7ce6d5a08cf97788c0ba796b",
    "values.schema.yaml": "1d9d48ee343efda1140edfc3de4d8ec4113ae9173bf9e44b83f19c2ca335a0dc",
    "Chart.yaml": "bddf1d180c29ef606a86ae0af93c2fc5369be3b570f97237ffc16b9530557243",
    # The hub's own configuration, which turns the values into traitlets
    # config before our hub.extraConfig runs (tests/deploy/kubernetes/test_chart_hub.py).
    "files/hub/jupyterhub_config.py": "561cb70a05e1c2f563741edb6aec55fdc5f5be5a6e4ee980e862977feeb3e92a",
    "files/hub/z2jh.py": "6312594f0c92f920da2d6c9fb232b97ab5e7dc29acdbfae950cb0ef8fe235790",
}


def _ok(path: Path, digest: str) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest


def fetch(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, digest in FILES.items():
        path = target / name
        if _ok(path, digest):
            continue
        with urllib.request.urlopen(BASE + name, timeout=60) as response:
            data = response.read()
        got = hashlib.sha256(data).hexdigest()
        if got != digest:
            raise ValueError(f"{BASE + name}: sha256 {got}, expected {digest} (chart {RELEASE})")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: z2jh_chart.py DIR", file=sys.stderr)
        return 2
    try:
        fetch(Path(argv[1]))
    except (OSError, ValueError) as e:
        print(f"z2jh_chart.py: chart {RELEASE} files not fetched: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
