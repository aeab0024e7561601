"""`campushub run` and `campushub jobs`: a client of the jobs service.

The same code runs in two places. In a person's terminal it is the user
environment's `campushub` command (site-packages campushub_jobs_cli, bin/campushub:
singleuser/files.py), calling the service at $CAMPUSHUB_JOBS_URL with the
server's own $JUPYTERHUB_API_TOKEN, which the hub gives the scope to reach it;
there it has the standard library and the environment's packages only (tqdm,
papermill's, for the progress bar). On the hub's machine campushub/cli/jobs.py
gives it --url/--token or the site's CLI token, for operators.

Values are sent as typed: `-p lr=0.1` and `--sweep seed=1,2,3` go as the
strings given and the service types them as papermill's -p does, so the CLI,
the JupyterLab dialog and the API agree. Refusals are the service's one line,
in the language of $LANG.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 30
BAD_INPUT, REFUSED = 2, 1
POLL_S = 2.0
FINAL = ("succeeded", "failed", "oom", "cancelled", "lost")


class Failure(RuntimeError):
    def __init__(self, message: str, status: int = REFUSED):
        super().__init__(message)
        self.status = status


def language() -> str:
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(key, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0].replace("_", "-")
    return "en"


class Client:
    def __init__(self, url: str, token: str, lang: str | None = None):
        self.url, self.token, self.lang = url if url.endswith("/") else url + "/", token, lang or language()

    def call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Accept": "application/json", "Accept-Language": self.lang,
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("message") or e.reason
            except (ValueError, AttributeError):
                message = f"the jobs service answered {e.code} {e.reason}"
            raise Failure(str(message), BAD_INPUT if e.code == 400 else REFUSED) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise Failure(f"cannot reach the jobs service at {self.url}: {reason}") from None


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", metavar="NOTEBOOK", help="the notebook to run (a path in your home)")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter, typed as papermill's -p types it (3 int, 0.1 float, True, None, else text)")
    p.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="one job per value; several --sweep make one job per combination")
    p.add_argument("--profile", help="the profile (size) to run with; default: the site's, else your policy's")
    p.add_argument("--wait", action="store_true", help="wait until every job has ended, showing progress")


def add_jobs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", nargs="?", metavar="ID", help="one job (j...) in detail, or a sweep (s...)")
    p.add_argument("--cancel", action="store_true", help="cancel job ID if it is queued or running")
    p.add_argument("--user", help="operators and admins: this person's jobs")
    p.add_argument("--json", action="store_true", help="print the records as JSON")


def home_path(notebook: str, home: str | None) -> str:
    """A path typed in the terminal made relative to the home, as the service wants it; one outside the
    home goes as it is, for the service to refuse in one line."""
    if not home:
        return notebook
    # the shell's own idea of where it is: ~/projects/x is a link to the project's folder outside the home
    cwd = os.environ.get("PWD") or "."
    try:
        cwd = cwd if os.path.samefile(cwd, ".") else os.getcwd()
    except OSError:
        cwd = os.getcwd()
    full = os.path.normpath(os.path.join(cwd, os.path.expanduser(notebook)))
    relative = os.path.relpath(full, os.path.abspath(home))
    return full if relative.startswith("..") else relative


def run(client: Client, args, home: str | None = None, out=sys.stdout) -> int:
    body = {"notebook": home_path(args.notebook, home), "parameters": args.parameters, "sweep": args.sweep,
            "profile": args.profile}
    made = client.call("POST", "api/jobs", body)
    jobs = made["jobs"]
    for job in jobs:
        print(f"{job['id']}  queued  {_parameters(job['parameters'])}", file=out)
    if made.get("sweep"):
        print(f"sweep {made['sweep']}: {len(jobs)} jobs; results in ~/jobs/<id>/", file=out)
    if not args.wait:
        return 0
    ended = wait(client, made.get("sweep"), [j["id"] for j in jobs])
    for job in ended:
        print(_line(job), file=out)
    return 0 if all(j["state"] == "succeeded" for j in ended) else REFUSED


def wait(client: Client, sweep: str | None, ids: list[str]) -> list[dict]:
    """Poll until every job has ended; a progress bar on stderr (tqdm, in the user environment), else a line
    at each change."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    bar = tqdm(total=len(ids), unit="job", desc=sweep or ids[0], file=sys.stderr) if tqdm else None
    shown = None
    try:
        while True:
            jobs = client.call("GET", f"api/sweeps/{sweep}")["jobs"] if sweep else [
                client.call("GET", f"api/jobs/{ids[0]}")]
            counts = {}
            for job in jobs:
                counts[job["state"]] = counts.get(job["state"], 0) + 1
            done = sum(counts.get(s, 0) for s in FINAL)
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            if bar is not None:
                bar.update(done - bar.n)
                bar.set_postfix_str(summary)
            elif summary != shown:
                print(f"{done}/{len(jobs)} ended: {summary}", file=sys.stderr)
            shown = summary
            if done == len(jobs):
                return jobs
            time.sleep(POLL_S)
    finally:
        if bar is not None:
            bar.close()


def jobs(client: Client, args, out=sys.stdout) -> int:
    if args.cancel:
        if not args.id:
            raise Failure("--cancel needs the ID of a job", BAD_INPUT)
        job = client.call("POST", f"api/jobs/{urllib.parse.quote(args.id, safe='')}/cancel")
        print(_line(job), file=out)
        return 0
    if args.id and args.id.startswith("s"):
        records = client.call("GET", f"api/sweeps/{urllib.parse.quote(args.id, safe='')}")["jobs"]
    elif args.id:
        records = [client.call("GET", f"api/jobs/{urllib.parse.quote(args.id, safe='')}")]
    else:
        query = f"?user={urllib.parse.quote(args.user, safe='')}" if args.user else ""
        records = client.call("GET", f"api/jobs{query}")["jobs"]
    if args.json:
        print(json.dumps(records if not args.id or len(records) != 1 else records[0], indent=1), file=out)
    elif args.id and len(records) == 1:
        for key, value in records[0].items():
            shown = json.dumps(value) if isinstance(value, (dict, list)) else value
            print(printable(f"{key:12} {shown}"), file=out)
    else:
        for job in records:
            print(_line(job, owner=args.user is not None or len({j["owner"] for j in records}) > 1), file=out)
    return 0


def printable(text: str) -> str:
    """text with each control, format or unassigned character (a learner's exception text may carry
    escape sequences that would retitle an operator's terminal, clear it or hide lines) as U+FFFD."""
    return "".join("\ufffd" if unicodedata.category(c).startswith("C") else c for c in text)


def _parameters(values: dict) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in values.items()) or "-"


def _size(n) -> str:
    return f"{n / 2**20:.0f}MiB" if isinstance(n, (int, float)) else "-"


def _line(job: dict, owner: bool = False) -> str:
    took = f"{job['duration_s']:.0f}s" if job.get("duration_s") is not None else "-"
    tail = ""
    if job.get("failed_cell") is not None:
        tail += f"  cell {job['failed_cell']}"
    if job.get("error"):
        tail += f"  {job['error']}"
    who = f"{job['owner']}  " if owner else ""
    return printable(f"{job['id']}  {who}{job['state']:9}  {job['notebook']}  {_parameters(job['parameters'])}  "
                     f"{took}  {_size(job.get('peak_memory'))}{tail}")


def from_environment() -> Client:
    url, token = os.environ.get("CAMPUSHUB_JOBS_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    if not url or not token:
        raise Failure("notebook jobs are not available here: CAMPUSHUB_JOBS_URL and JUPYTERHUB_API_TOKEN are "
                      "set in a terminal of your notebook server when the site has jobs turned on")
    return Client(url, token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campushub", description="Run notebooks as jobs and follow them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_arguments(sub.add_parser("run", help="run a notebook as a job (or a sweep of jobs)"))
    add_jobs_arguments(sub.add_parser("jobs", help="list your jobs, show or cancel one"))
    args = parser.parse_args(argv)
    try:
        client = from_environment()
        if args.command == "run":
            return run(client, args, home=os.path.expanduser("~"))
        return jobs(client, args)
    except Failure as e:
        print(printable(f"campushub: {e}"), file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
