"""The jobs service on a real site (`campushub up` runs it beside the hub), with real people, their
real servers, the local backend (real cgroups, papermill in the user environment) and `campushub run`
typed in alice's own server (a kernel's subprocess: her environment, her token, her PATH).

The jobs wait for a file the test makes ("go"), so what is queued and what runs is a state the test
can look at, not a race: a sweep of 4 with max_running_per_person 2 shows 2 running and 2 queued
until the go. Every poll has a deadline.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat
import pytest
import requests

from ..deploy.local.hub_service_site import pid
from ..harness import Hub, add_people, campushub, run_code, running, wait_for

SERVICE = "/services/jobs/"
GATE = """import os, time
gate = os.path.expanduser({name!r})
deadline = time.monotonic() + 600
while not os.path.exists(gate) and time.monotonic() < deadline:
    time.sleep(0.2)"""


class Site:
    def __init__(self, hub: Hub):
        self.hub = hub
        self.tokens = {name: hub.user_token(name) for name in ("alice", "bob")}

    def call(self, who: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[who]}", **kwargs.pop("headers", {})}
        return requests.request(method, self.hub.url + SERVICE + path, headers=headers, timeout=60, **kwargs)

    def code(self, who: str, source: str, timeout: float = 60) -> dict:
        """run_code in a kernel of the person's server, shut down afterwards: kernels left running
        would fill the server's memory limit (and its warning would join the output)."""
        found = run_code(self.hub, who, self.tokens[who], source, timeout=timeout)
        requests.delete(f"{self.hub.url}/user/{who}/api/kernels/{found['kernel_id']}", timeout=60,
                        headers={"Authorization": f"token {self.tokens[who]}"})
        assert found["error"] is None, found
        return found

    def sh(self, who: str, *argv: str) -> dict:
        """A command in the person's own server, as typed in its terminal: {rc, out, err}."""
        code = (f"import json, subprocess; p = subprocess.run({list(argv)!r}, capture_output=True, text=True, "
                "timeout=600); print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr}))")
        return json.loads(self.code(who, code, timeout=600)["stream"].strip().splitlines()[-1])

    def home(self, who: str) -> Path:
        return Path(self.code(who, "import os; print(os.path.expanduser('~'))")["stream"].strip().splitlines()[-1])

    def notebook(self, who: str, name: str, gate: str, *cells: str) -> None:
        """A notebook with a parameters cell (n = 0, base = 0), then a wait for ~/gate, then the cells;
        written by the person's own kernel, so it is theirs."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        first = nbformat.v4.new_code_cell("n = 0\nbase = 0")
        first.metadata["tags"] = ["parameters"]
        nb.cells = [first, nbformat.v4.new_code_cell(GATE.format(name=f"~/{gate}")),
                    *[nbformat.v4.new_code_cell(c) for c in cells]]
        text = nbformat.writes(nb)
        self.code(who, f"open({name!r}, 'w').write({text!r})")

    def open_gate(self, who: str, gate: str) -> None:
        self.code(who, f"open({gate!r}, 'w').close()")

    def sweep(self, who: str, sweep: str) -> list[dict]:
        r = self.call(who, "GET", f"api/sweeps/{sweep}")
        assert r.status_code == 200, r.text
        return r.json()["jobs"]

    def job(self, who: str, job_id: str) -> dict:
        r = self.call(who, "GET", f"api/jobs/{job_id}")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    hub = Hub.create(tmp_path_factory.mktemp("jobs-site"), {
        "jobs": {"enabled": True, "max_running_per_person": 2, "poll_interval": 0.5},
        # a profile smaller than a server, which the policy allows
        "profiles": {"tiny": {"cpu": 1, "memory": "192M"}},
        "policies": {"default": {"memory": {"min": "128M", "max": "512M", "default": "512M"}}}})
    with running(hub):
        add_people(hub, {"alice": None, "bob": None})
        for name in ("alice", "bob"):  # their unix accounts and homes come with their first server
            assert hub.api("POST", f"users/{name}/server").status_code in (201, 202)
        for name in ("alice", "bob"):
            wait_for(lambda name=name: hub.server_ready(name), 300, f"{name}'s server")
        yield Site(hub)


def counts(jobs: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for job in jobs:
        out[job["state"]] = out.get(job["state"], 0) + 1
    return out


def test_a_sweep_of_four_runs_two_at_a_time_and_gives_four_executed_notebooks(site):
    site.notebook("alice", "sweep.ipynb", "go-sweep", "print('result', n * base)")
    typed = site.sh("alice", "campushub", "run", "sweep.ipynb", "-p", "base=10", "--sweep", "n=1,2,3,4")
    assert typed["rc"] == 0, typed
    sweep = next(line.split()[1].rstrip(":") for line in typed["out"].splitlines() if line.startswith("sweep "))

    def two_running():
        jobs = site.sweep("alice", sweep)
        assert counts(jobs).get("running", 0) <= 2, jobs  # never more than the person's limit
        return counts(jobs).get("running") == 2 and jobs

    jobs = wait_for(two_running, 180, "two of the sweep's jobs to run")
    assert counts(jobs) == {"running": 2, "queued": 2}  # the gate holds them: the rest wait in the queue
    site.open_gate("alice", "go-sweep")

    def all_ended():
        jobs = site.sweep("alice", sweep)
        assert counts(jobs).get("running", 0) <= 2, jobs
        return all(j["state"] not in ("queued", "running") for j in jobs) and jobs

    jobs = wait_for(all_ended, 600, "the sweep to end")
    assert counts(jobs) == {"succeeded": 4}, jobs
    home = site.home("alice")
    assert sorted(j["parameters"]["n"] for j in jobs) == [1, 2, 3, 4]
    for job in jobs:
        n = job["parameters"]["n"]
        assert job["parameters"]["base"] == 10 and job["peak_memory"] and job["duration_s"] is not None
        executed = nbformat.read(home / "jobs" / job["id"] / "output.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
        assert f"result {n * 10}\n" in printed, printed
        assert json.loads((home / "jobs" / job["id"] / "parameters.json").read_text())["n"] == n
    listed = site.sh("alice", "campushub", "jobs", sweep)
    assert listed["rc"] == 0 and listed["out"].count("succeeded") == 4, listed


def test_a_running_job_survives_restarts_of_the_jobs_service_and_the_hub(site):
    hub = site.hub
    site.notebook("alice", "long.ipynb", "go-long", "print('finished', n)")
    r = site.call("alice", "POST", "api/jobs", json={"notebook": "long.ipynb", "parameters": {"n": 5}})
    assert r.status_code == 201, r.text
    job_id = r.json()["jobs"][0]["id"]
    # running and started by the backend (its handle stored): a kill during the start is the next test's
    wait_for(lambda: site.job("alice", job_id)["handle"], 180, "the job to run")
    assert site.job("alice", job_id)["state"] == "running"
    # the service killed outright: `up` starts another, which adopts the job
    before = pid(hub, "jobs")
    os.kill(before, signal.SIGKILL)
    wait_for(lambda: pid(hub, "jobs") not in (None, before), 60, "up to start the jobs service again")
    wait_for(lambda: site.call("alice", "GET", f"api/jobs/{job_id}").status_code == 200, 60, "it to answer")
    assert site.job("alice", job_id)["state"] == "running"
    # the whole site down and up again: hub, proxy and services; the job runs on meanwhile
    hub.down()
    hub.up(admin=None)
    wait_for(lambda: site.call("alice", "GET", f"api/jobs/{job_id}").status_code == 200, 120, "the service back")
    assert site.job("alice", job_id)["state"] == "running"
    site.open_gate("alice", "go-long")
    done = wait_for(lambda: site.job("alice", job_id)["state"] not in ("queued", "running")
                    and site.job("alice", job_id), 300, "the job to end")
    assert done["state"] == "succeeded", done
    log = (site.home("alice") / "jobs" / job_id / "output.ipynb").read_text()
    assert "finished 5" in log


@pytest.mark.parametrize(("body", "words"), [
    ({"notebook": "../../etc/x.ipynb"}, "not inside your home"),
    ({"notebook": "sweep.ipynb", "parameters": ["1x=2"]}, "not a parameter name"),
    ({"notebook": "sweep.ipynb", "sweep": {"n": []}}, "has no values"),
    ({"notebook": "no-such.ipynb"}, "no-such.ipynb"),
    ({"notebook": "sweep.ipynb", "profile": "huge"}, "There is no profile huge"),
    # answered 500 before (attack review F2): valid JSON with lone surrogates, JSON nested 5000 deep
    ({"notebook": "\ud800.ipynb"}, "Name the notebook by its path"),
    ({"notebook": "sweep.ipynb", "parameters": {"x": "\ud800"}}, "The value of x"),
    (b"[" * 5000 + b"]" * 5000, "JSON object"),
    (b'{"notebook": "sweep.ipynb", "parameters": ' + b"[" * 5000 + b"]" * 5000 + b"}", "JSON object"),
])
def test_bad_input_is_one_translated_line_and_queues_nothing(site, body, words):
    before = site.call("alice", "GET", "api/jobs").json()["jobs"]
    send = {"data": body} if isinstance(body, bytes) else {"json": body}
    r = site.call("alice", "POST", "api/jobs", **send)
    assert r.status_code in (400, 403, 404, 409), r.text
    message = r.json()["message"]
    assert words in message and "\n" not in message and "Traceback" not in r.text
    ja = site.call("alice", "POST", "api/jobs", **send, headers={"Accept-Language": "ja"}).json()["message"]
    assert ja != message and "\n" not in ja
    assert site.call("alice", "GET", "api/jobs").json()["jobs"] == before


def test_a_typo_on_the_command_line_is_one_line_and_queues_nothing(site):
    before = site.call("alice", "GET", "api/jobs").json()["jobs"]
    typed = site.sh("alice", "campushub", "run", "sweep.ipynb", "-p", "lr")
    assert typed["rc"] == 2 and typed["err"].count("\n") == 1 and "name=value" in typed["err"], typed
    assert site.call("alice", "GET", "api/jobs").json()["jobs"] == before


def test_a_person_cannot_see_or_cancel_anothers_job(site):
    site.notebook("alice", "private.ipynb", "go-private", "print('mine')")
    r = site.call("alice", "POST", "api/jobs", json={"notebook": "private.ipynb", "sweep": {"n": [1, 2]}})
    assert r.status_code == 201, r.text
    job_id, sweep = r.json()["jobs"][0]["id"], r.json()["sweep"]
    for method, path in (("GET", f"api/jobs/{job_id}"), ("POST", f"api/jobs/{job_id}/cancel"),
                         ("GET", f"api/sweeps/{sweep}"), ("GET", f"j/{job_id}")):
        answer = site.call("bob", method, path)
        assert answer.status_code == 404, (path, answer.text)
        assert "private.ipynb" not in answer.text
    listed = site.call("bob", "GET", "api/jobs", params={"user": "alice"}).json()["jobs"]
    assert all(j["owner"] == "bob" for j in listed)
    typed = site.sh("bob", "campushub", "jobs", "--cancel", job_id)
    assert typed["rc"] == 1 and "no job" in typed["err"], typed
    assert site.job("alice", job_id)["state"] in ("queued", "running")
    # she can: both jobs, the running one stopped by the backend
    for job in r.json()["jobs"]:
        cancelled = site.call("alice", "POST", f"api/jobs/{job['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled", cancelled.text
    site.open_gate("alice", "go-private")
    assert site.call("alice", "POST", f"api/jobs/{job_id}/cancel").status_code == 409


def test_run_wait_follows_the_job_to_its_end_and_operators_see_everyones(site):
    site.notebook("alice", "quick.ipynb", "go-quick", "print('quick', n)")
    site.open_gate("alice", "go-quick")
    typed = site.sh("alice", "campushub", "run", "quick.ipynb", "-p", "n=3", "--wait")
    assert typed["rc"] == 0, typed
    last = typed["out"].strip().splitlines()[-1]
    assert "succeeded" in last and "quick.ipynb" in last and "n=3" in last, typed
    job_id = last.split()[0]
    # on the hub's machine, as root: the site's CLI token (the operator role) reads every person's jobs
    listed = campushub("jobs", "--data-dir", str(site.hub.data_dir), "--user", "alice", "--json")
    assert listed.returncode == 0, listed.stderr
    assert job_id in {j["id"] for j in json.loads(listed.stdout)}
    assert all(j["owner"] == "alice" for j in json.loads(listed.stdout))
    refused = campushub("run", "quick.ipynb", "--data-dir", str(site.hub.data_dir))
    assert refused.returncode == 1 and "Only a person" in refused.stderr, refused.stderr


def test_a_failing_value_is_reported_with_its_cell_and_a_hog_as_killed_by_its_limit(site):
    site.notebook("alice", "divide.ipynb", "go-divide", "print('ratio', 10 / n)")
    site.notebook("alice", "hog.ipynb", "go-divide", "hog = b'x' * (400 * 2**20)")
    site.open_gate("alice", "go-divide")
    typed = site.sh("alice", "campushub", "run", "divide.ipynb", "--sweep", "n=1,0", "--wait")
    assert typed["rc"] == 1, typed  # not every job succeeded
    hog = site.call("alice", "POST", "api/jobs", json={"notebook": "hog.ipynb", "profile": "tiny"})
    assert hog.status_code == 201 and hog.json()["jobs"][0]["resources"]["mem_limit"] == 192 * 2**20, hog.text
    hog_id = hog.json()["jobs"][0]["id"]
    jobs = site.call("alice", "GET", "api/jobs").json()["jobs"]
    by_n = {j["parameters"]["n"]: j for j in jobs if j["notebook"] == "divide.ipynb"}
    assert by_n[1]["state"] == "succeeded" and by_n[1]["failed_cell"] is None
    assert by_n[0]["state"] == "failed" and by_n[0]["failed_cell"] == 2, by_n[0]  # params 0, gate 1, divide 2
    assert "ZeroDivisionError" in by_n[0]["error"]
    ended = wait_for(lambda: site.job("alice", hog_id)["state"] not in ("queued", "running")
                     and site.job("alice", hog_id), 300, "the hog to end")
    assert ended["state"] == "oom", ended
