"""The jobs page and "Run as job…"'s server extension on a real hub with the
real jobs service and local backend (site.py): a sweep submitted through a
person's own server runs as them with the right parameter each, bad input
is one line and stores nothing, each person's page and links show only their
own jobs, and cancel is a POST that says what it did."""

from __future__ import annotations

import json
import re

import pytest
import requests

from campushub.i18n import translate
from campushub.jobs.outcomes import OVER_MEMORY
from campushub.webservice.handler import XSRF_FAILED

pytestmark = pytest.mark.stack

TRAIN = "work/train.ipynb"


@pytest.fixture(scope="module")
def sweep(jobs_site):
    """eve's sweep of two learning rates, ended; fay's one job, ended."""
    jobs_site.write_notebook("eve", TRAIN, "lr = 0.1", 'print(f"lr is {lr!r}")')
    jobs_site.write_notebook("fay", "secret/fay_model.ipynb", "depth = 1", "print(depth * 2)")
    r = jobs_site.submit("eve", {"notebook": TRAIN, "sweep": ["lr=0.5,0.25"]})
    assert r.status_code == 201, r.text
    eve = r.json()
    r = jobs_site.submit("fay", {"notebook": "secret/fay_model.ipynb", "parameters": ["depth=3"]})
    assert r.status_code == 201, r.text
    fay = r.json()
    ids = [j["id"] for j in eve["jobs"]]
    ended = jobs_site.ended("eve", ids)
    jobs_site.ended("fay", [fay["jobs"][0]["id"]])
    return {"eve": eve, "fay": fay, "ended": ended}


def page(site, who: str, path: str = "", lang: str = "en") -> requests.Response:
    return requests.get(site.prefix + path, timeout=60, allow_redirects=False,
                        headers={"Authorization": f"token {site.tokens[who]}", "Accept-Language": lang})


def test_a_sweep_through_the_persons_server_runs_as_them_with_each_value(jobs_site, sweep):
    jobs = sweep["eve"]["jobs"]
    assert sweep["eve"]["sweep"] and {j["sweep"] for j in jobs} == {sweep["eve"]["sweep"]}
    assert sorted(j["parameters"]["lr"] for j in jobs) == [0.25, 0.5]  # typed as papermill's -p types them
    assert {j["owner"] for j in jobs} == {"eve"} and {j["notebook"] for j in jobs} == {TRAIN}
    for job in jobs:
        record = sweep["ended"][job["id"]]
        assert record["state"] == "succeeded", record
        assert record["duration_s"] > 0 and record["peak_memory"] > 0 and record["failed_cell"] is None
        # the executed notebook, in eve's home, read through her own server
        r = jobs_site.server("eve", "GET", f"api/contents/jobs/{job['id']}/output.ipynb")
        assert r.status_code == 200, r.text
        outputs = [o.get("text", "") for c in r.json()["content"]["cells"] for o in c.get("outputs", [])]
        assert f"lr is {job['parameters']['lr']!r}\n" in outputs


@pytest.mark.parametrize("body,wanted,status", [
    ({"notebook": "../elsewhere.ipynb"}, "Only a notebook inside your home folder can run as a job.", 400),
    ({"notebook": "/etc/passwd.ipynb"}, "Only a notebook inside your home folder can run as a job.", 400),
    ({"notebook": TRAIN, "parameters": ["nonsense"]}, "nonsense is not name=value", 400),
    ({"notebook": TRAIN, "sweep": ["lr"]}, "lr is not name=v1,v2", 400),
    ({"notebook": TRAIN, "sweep": ["lr="]}, "The sweep of lr has no values", 400),
    ({"notebook": TRAIN, "profile": "huge"}, "There is no profile huge", 400),
    ({"notebook": TRAIN, "profile": "big"}, "Memory must be 512 MiB", 403),
    ({"parameters": []}, "The request was malformed.", 400),
])
def test_bad_input_is_one_line_and_starts_nothing(jobs_site, sweep, body, wanted, status):
    before = len(jobs_site.jobs("eve"))
    r = jobs_site.submit("eve", body)
    assert r.status_code == status, r.text
    message = r.json()["message"]
    assert wanted in message and "\n" not in message and "Traceback" not in message
    assert len(jobs_site.jobs("eve")) == before


def test_the_dialog_offers_the_profiles_the_persons_policy_allows(jobs_site):
    r = jobs_site.server("eve", "GET", "campushub/jobs/profiles")
    assert r.status_code == 200, r.text
    assert r.json() == {"profiles": [{"name": "small", "display_name": "Small (1 CPU, 512 MiB)"}], "default": None}


def test_a_failed_cell_is_on_the_page_counted_as_people_count(jobs_site):
    jobs_site.write_notebook("eve", "work/broken.ipynb", "x = 1", "y = x + 1", "raise ValueError('no luck')")
    r = jobs_site.submit("eve", {"notebook": "work/broken.ipynb", "profile": "small"})
    assert r.status_code == 201, r.text
    job = r.json()["jobs"][0]
    assert job["profile"] == "small"
    record = jobs_site.ended("eve", [job["id"]])[job["id"]]
    assert record["state"] == "failed" and record["failed_cell"] == 2, record  # papermill's index, from 0
    shown = page(jobs_site, "eve", f"j/{job['id']}", lang="ja").text
    assert translate("ja", "ended with an error") in shown and translate("ja", "cell {number}", number=3) in shown
    assert "ValueError" in re.search(r'id="job-error">([^<]*)<', shown).group(1)


def test_a_body_that_is_no_json_object_is_one_line(jobs_site):
    r = jobs_site.server("eve", "POST", "campushub/jobs/submit", data=b"[1, 2",
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "The request was malformed."


def test_each_persons_page_shows_only_their_jobs_with_links_into_their_server(jobs_site, sweep):
    fay_id = sweep["fay"]["jobs"][0]["id"]
    r = page(jobs_site, "eve")
    assert r.status_code == 200, r.text
    rows = re.findall(r'<tr class="job-row" data-job="([^"]+)" data-state="([^"]+)"', r.text)
    assert {job for job, _ in rows} == {j["id"] for j in jobs_site.jobs("eve")} and fay_id not in r.text
    assert "fay_model" not in r.text
    for job in sweep["eve"]["jobs"]:
        assert f'href="/hub/user-redirect/lab/tree/jobs/{job["id"]}/output.ipynb"' in r.text
        assert f'href="/hub/user-redirect/lab/tree/jobs/{job["id"]}/log.txt"' in r.text
    # one sweep's page, one job's page, in Japanese
    r = page(jobs_site, "eve", f"?sweep={sweep['eve']['sweep']}", lang="ja")
    assert r.status_code == 200 and len(re.findall(r'class="job-row"', r.text)) == 2
    assert translate("ja", "Jobs of sweep {sweep}", sweep=sweep["eve"]["sweep"]) in r.text
    one = sweep["eve"]["jobs"][0]
    r = page(jobs_site, "eve", f"j/{one['id']}", lang="ja")
    assert r.status_code == 200 and translate("ja", "succeeded") in r.text and TRAIN in r.text


@pytest.mark.parametrize("path", ["j/{fay}", "j/{fay}/", "?sweep={fay_sweep}", "j/not-a-job", "j/..%2F..%2Fetc"])
def test_another_persons_job_does_not_exist_for_eve(jobs_site, sweep, path):
    fay = sweep["fay"]["jobs"][0]
    r = page(jobs_site, "eve", path.format(fay=fay["id"], fay_sweep=fay["sweep"] or "s20260101000000-abcdef"))
    assert r.status_code == 404, r.text
    assert "fay_model" not in r.text and "Traceback" not in r.text
    r = requests.post(jobs_site.prefix + f"j/{fay['id']}/cancel", timeout=60, allow_redirects=False,
                      headers={"Authorization": f"token {jobs_site.tokens['eve']}"})
    assert r.status_code == 404


def test_cancel_is_a_post_that_says_what_it_did_once(jobs_site, sweep):
    jobs_site.write_notebook("eve", "work/long.ipynb", "seconds = 600", "import time\ntime.sleep(seconds)")
    r = jobs_site.submit("eve", {"notebook": "work/long.ipynb"})
    assert r.status_code == 201, r.text
    job = r.json()["jobs"][0]["id"]
    headers = {"Authorization": f"token {jobs_site.tokens['eve']}", "Accept-Language": "ja"}
    # while it is queued or running, its page and the list reload themselves; once it has ended, not
    assert '<meta http-equiv="refresh" content="15">' in page(jobs_site, "eve", f"j/{job}").text
    assert 'id="reloading"' in page(jobs_site, "eve").text
    r = requests.post(jobs_site.prefix + f"j/{job}/cancel", headers=headers, timeout=60, allow_redirects=False)
    assert r.status_code == 302, r.text
    shown = requests.get(jobs_site.hub.url + r.headers["Location"], headers=headers, timeout=60)
    assert translate("ja", "Job {id} was cancelled.", id=job) in shown.text
    assert jobs_site.ended("eve", [job])[job]["state"] == "cancelled"
    assert 'http-equiv="refresh"' not in page(jobs_site, "eve", f"j/{job}").text
    # a second cancel: one line, nothing changes
    r = requests.post(jobs_site.prefix + f"j/{job}/cancel", headers=headers, timeout=60, allow_redirects=False)
    assert r.status_code == 409 and "Traceback" not in r.text
    # a banner only this service can have written: a forged one says nothing
    r = page(jobs_site, "eve", f"j/{job}?done={json.dumps(job)}")
    assert r.status_code == 200 and 'id="done-message"' not in r.text


def test_the_extension_takes_a_cookie_post_only_with_the_xsrf_token(jobs_site):
    """The person's server checks XSRF on its cookie POSTs (jupyter_server's, the header JupyterLab sends):
    another site's form, which carries the cookie and nothing else, starts no job."""
    session = jobs_site.people["eve"].session  # signed in to the hub; the server's cookie comes by OAuth
    assert session.get(f"{jobs_site.hub.url}/user/eve/lab", timeout=120).status_code == 200
    url = f"{jobs_site.hub.url}/user/eve/campushub/jobs/submit"
    before = len(jobs_site.jobs("eve"))
    r = session.post(url, json={"notebook": TRAIN}, timeout=60)
    assert r.status_code == 403, r.text
    assert len(jobs_site.jobs("eve")) == before
    xsrf = session.cookies.get("_xsrf", path="/user/eve/")
    r = session.post(url, json={"notebook": TRAIN}, headers={"X-XSRFToken": xsrf}, timeout=60)
    assert r.status_code == 201, r.text
    jobs_site.ended("eve", [r.json()["jobs"][0]["id"]])


def test_a_job_over_its_memory_limit_says_so_in_japanese(jobs_site):
    """The supervisor's own line (jobs/outcomes.py), stored in English, is shown in the reader's language
    on the job's page and by the API."""
    jobs_site.write_notebook("eve", "work/hungry.ipynb", "mib = 700", "x = b'x' * (mib * 2**20)")
    r = jobs_site.submit("eve", {"notebook": "work/hungry.ipynb"})  # the test hub's policy: 512 MiB
    assert r.status_code == 201, r.text
    job = r.json()["jobs"][0]["id"]
    assert jobs_site.ended("eve", [job])[job]["error"] == OVER_MEMORY
    shown = page(jobs_site, "eve", f"j/{job}", lang="ja").text
    assert translate("ja", OVER_MEMORY) in shown and OVER_MEMORY not in shown
    assert translate("ja", OVER_MEMORY) != OVER_MEMORY
    r = requests.get(jobs_site.prefix + f"api/jobs/{job}", timeout=60,
                     headers={"Authorization": f"token {jobs_site.tokens['eve']}", "Accept-Language": "ja"})
    assert r.status_code == 200 and r.json()["error"] == translate("ja", OVER_MEMORY)


def test_the_jobs_api_takes_a_cookie_post_only_with_the_xsrf_token(jobs_site):
    """The service's JSON API signed in by its OAuth cookie alone (what another site's form or script
    sends): it neither submits nor cancels (webservice/handler.py's check); with the token it does."""
    jobs_site.write_notebook("eve", "work/wait.ipynb", "seconds = 600", "import time\ntime.sleep(seconds)")
    r = jobs_site.submit("eve", {"notebook": "work/wait.ipynb"})
    assert r.status_code == 201, r.text
    job = r.json()["jobs"][0]["id"]
    session = jobs_site.people["eve"].session  # signed in to the hub; the service's cookie comes by OAuth
    form = session.get(jobs_site.prefix + f"j/{job}", timeout=60)
    assert form.status_code == 200 and session.get(jobs_site.prefix + "api/jobs", timeout=60).status_code == 200
    before = len(jobs_site.jobs("eve"))
    for path, body in (("api/jobs", {"notebook": TRAIN}), (f"api/jobs/{job}/cancel", {})):
        r = session.post(jobs_site.prefix + path, json=body, timeout=60, headers={"Accept-Language": "en"})
        assert r.status_code == 403 and r.json()["message"] == XSRF_FAILED, (path, r.text)
    assert len(jobs_site.jobs("eve")) == before
    assert next(j for j in jobs_site.jobs("eve") if j["id"] == job)["state"] in ("queued", "running")
    token = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
    r = session.post(jobs_site.prefix + f"api/jobs/{job}/cancel", json={}, timeout=60, headers={"X-XSRFToken": token})
    assert r.status_code == 200, r.text
    assert jobs_site.ended("eve", [job])[job]["state"] == "cancelled"
