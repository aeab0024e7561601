#!/usr/bin/env python3
"""Collaboration memory benchmark: what a user server holds per notebook
opened with real-time collaboration (jupyter-collaboration and
jupyter-server-nbmodel, as the user environments have them, with CampusHub's
setting that keeps a notebook's shared document until the server stops)
against the same server with both switched off, in one run.

    sudo .venv/bin/python benchmarks/collaboration_memory.py [--notebooks 20] [--cells 40] [--rounds 2]
                                                            [--json out.json]

The server is the site's default environment's (built by `campushub env
build` / `up`), started as root in a scratch home with generated lesson-like
notebooks (code, printed text, a plot image every 8th cell). A notebook is
opened the way JupyterLab opens it: without collaboration it reads the
contents API; with it, it asks for the document's session and joins its room
over the websocket until the server has sent the whole document (Yjs sync
step 2), then leaves, as a closed tab does. One notebook is opened first so
that the modules a first document imports are not counted. No kernels are
started: they are processes of their own, alike in both. Rounds alternate
the two modes, each with a fresh server. Prints the server's RSS, PSS and
anonymous memory before and after, the cost per notebook, then the JSON.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import websocket  # noqa: E402
from traitlets.config import Config  # noqa: E402

from campushub.config import validate  # noqa: E402
from campushub.deploy.local import environments  # noqa: E402
from campushub.singleuser.files import SERVER_CONFIG  # noqa: E402
from tests.harness import free_port, wait_for  # noqa: E402

TOKEN = "collaboration-benchmark"
OFF = {"ServerApp": {"jpserver_extensions": {"jupyter_server_ydoc": False, "jupyter_server_nbmodel": False}}}
# y-protocols: messageSync (0), messageYjsSyncStep1 (0), the state vector of an empty
# document (one byte, 0) as a var-length byte array: "send me everything", a new tab's first message
SYNC_STEP1_EMPTY = bytes([0, 0, 1, 0])
SYNC_STEP2 = bytes([0, 1])


def collaboration_settings() -> dict:
    """The YDocExtension and SQLiteYStore settings of the server config users get."""
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c, "get_config": lambda: c})
    return {name: dict(c[name]) for name in ("YDocExtension", "SQLiteYStore") if name in c}


def lesson(rng: random.Random, cells: int) -> dict:
    out = []
    for i in range(cells):
        outputs = [{"output_type": "stream", "name": "stdout",
                    "text": "".join(f"{rng.random():12.6f}{rng.random():12.6f}{rng.random():12.6f}\n"
                                    for _ in range(40))}]
        if i % 8 == 7:
            png = base64.b64encode(rng.randbytes(18_000)).decode()
            outputs.append({"output_type": "display_data", "metadata": {}, "data": {"image/png": png}})
        out.append({"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": i + 1, "outputs": outputs,
                    "source": f"x{i} = compute(step={i})\nfor row in x{i}.rows:\n    print(*row)\n"})
        out.append({"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": f"## Step {i}\nWhat it shows."})
    return {"cells": out, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                       "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def memory(pid: int) -> dict[str, float]:
    """MiB of the process: RSS, PSS and anonymous memory (its heap: where documents live; unlike
    private memory, it does not change when another process maps the same library files)."""
    kib = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kib[key] = int(value.split()[0])
    return {"rss": kib["Rss"] / 1024, "pss": kib["Pss"] / 1024,
            "anonymous": kib["Anonymous"] / 1024}


def settled(pid: int) -> dict[str, float]:
    """Memory once it stops moving (saves and loads finish after the answers)."""
    last = memory(pid)
    for _ in range(20):
        time.sleep(0.5)
        now = memory(pid)
        if abs(now["rss"] - last["rss"]) < 0.2:
            return now
        last = now
    return last


def open_notebook(url: str, name: str, collaboration: bool) -> None:
    headers = {"Authorization": f"token {TOKEN}"}
    if not collaboration:
        r = requests.get(f"{url}api/contents/{name}?type=notebook&content=1", headers=headers, timeout=60)
        r.raise_for_status()
        return
    r = requests.put(f"{url}api/collaboration/session/{name}", headers=headers, timeout=60,
                     json={"format": "json", "type": "notebook"})
    r.raise_for_status()
    session = r.json()
    ws = websocket.create_connection(
        f"{url.replace('http', 'ws', 1)}api/collaboration/room/json:notebook:{session['fileId']}"
        f"?sessionId={session['sessionId']}", header=[f"Authorization: token {TOKEN}"], timeout=60)
    try:
        ws.send_binary(SYNC_STEP1_EMPTY)
        while not ws.recv()[:2] == SYNC_STEP2:
            pass
    finally:
        ws.close()


def measure(env: Path, work: Path, notebooks: list[str], collaboration: bool) -> dict:
    home, config = work / "home", work / "config"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(json.dumps(collaboration_settings() if collaboration else OFF))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    environ = {"PATH": f"{env}/bin:/usr/bin:/bin", "HOME": str(home), "JUPYTER_CONFIG_DIR": str(config),
               "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "JUPYTER_DATA_DIR": str(work / "data")}
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen([str(env / "bin" / "python"), "-m", "jupyter_server", f"--port={port}",
                                   "--port-retries=0", "--ip=127.0.0.1", "--no-browser", "--allow-root",
                                   f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}"],
                                  cwd=home, env=environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: requests.get(f"{url}api/status", headers={"Authorization": f"token {TOKEN}"},
                                      timeout=5).ok, 120, "the server to answer")
        open_notebook(url, "warm-up.ipynb", collaboration)
        before = settled(server.pid)
        for name in notebooks:
            open_notebook(url, name, collaboration)
        after = settled(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    per = {k: (after[k] - before[k]) / len(notebooks) for k in before}
    return {"collaboration": collaboration, "before_mib": before, "after_mib": after, "per_notebook_mib": per}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--cells", type=int, default=40, help="code cells per notebook (each with a markdown cell)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the environment is root's, and the servers run with --allow-root")
    config = validate({})
    env = environments.built_default_env(config) or \
        environments.default_env_dir(config, environments.ensure_environments(config))
    work = Path(tempfile.mkdtemp(prefix="collab-bench-"))
    try:
        rng = random.Random(16)
        names = [f"lesson-{i:02d}.ipynb" for i in range(args.notebooks)]
        files = {name: json.dumps(lesson(rng, args.cells), indent=1) for name in ["warm-up.ipynb", *names]}
        size_kib = statistics.mean(len(text.encode()) for text in files.values()) / 1024
        runs = []
        for r in range(args.rounds):
            for collaboration in (True, False) if r % 2 == 0 else (False, True):
                scratch = work / f"{r}-{'on' if collaboration else 'off'}"
                (scratch / "home").mkdir(parents=True)
                for name, text in files.items():
                    (scratch / "home" / name).write_text(text)
                runs.append(dict(measure(env, scratch, names, collaboration), round=r + 1))
                m = runs[-1]
                print(f"round {r + 1}, collaboration {'on ' if collaboration else 'off'}: server RSS "
                      f"{m['before_mib']['rss']:.1f} -> {m['after_mib']['rss']:.1f} MiB, per notebook RSS "
                      f"{m['per_notebook_mib']['rss']:.2f} / PSS {m['per_notebook_mib']['pss']:.2f} / anonymous "
                      f"{m['per_notebook_mib']['anonymous']:.2f} MiB", flush=True)
        median = {mode: {k: statistics.median(m["per_notebook_mib"][k] for m in runs if m["collaboration"] == on)
                         for k in ("rss", "pss", "anonymous")} for mode, on in (("on", True), ("off", False))}
        cost = median["on"]["anonymous"] - median["off"]["anonymous"]
        result = {"notebooks": args.notebooks, "cells": args.cells, "notebook_kib": round(size_kib, 1),
                  "rounds": args.rounds, "env": str(env), "settings": collaboration_settings(), "runs": runs,
                  "median_per_notebook_mib": median,
                  "collaboration_cost_per_notebook_mib": round(cost, 2)}
        print(f"\n{args.notebooks} notebooks of {size_kib:.0f} KiB ({args.cells} code cells): anonymous memory "
              f"per open notebook {median['on']['anonymous']:.2f} MiB with collaboration, "
              f"{median['off']['anonymous']:.2f} MiB without (median of {args.rounds}) -> collaboration costs "
              f"{result['collaboration_cost_per_notebook_mib']:.2f} MiB per notebook opened since the server started")
        print(json.dumps(result, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
