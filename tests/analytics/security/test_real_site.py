"""Attacks from a learner's shell on the real site (tests/analytics/e2e_site.py:
`campushub up`, the analytics service, real hub tokens and groups). ben learns
an1 only; code he runs in his own kernel is his shell. With his server's own
JUPYTERHUB_API_TOKEN and the service's direct address (CAMPUSHUB_ANALYTICS_URL,
127.0.0.1 and the service's port, past the proxy) he tries to write into
course an2, read the metrics, the tutors' pages and ana's page, and to read
the service's files on disk."""

from __future__ import annotations

import json

import pytest

from ..e2e_site import SERVICE

pytestmark = pytest.mark.stack

PROBE = r"""
import json, os, urllib.request, urllib.error, uuid
url, token = os.environ["CAMPUSHUB_ANALYTICS_URL"], os.environ["JUPYTERHUB_API_TOKEN"]
def call(path, body=None):
    request = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "token " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
forged = [{"id": uuid.uuid4().hex, "kind": "execution", "time": "2026-11-30T10:00:00Z",
           "path": "an2/lessons/evil.ipynb", "course": "an2", "notebook": "lessons/evil.ipynb", "cell": "c0",
           "status": "error", "duration_ms": 1},
          {"id": uuid.uuid4().hex, "kind": "sync", "time": "2026-11-30T10:00:00Z", "course": "an2", "status": "failed"}]
files = {}
for path in (%(dir)r, %(token)r):
    try:
        files[path] = os.listdir(path) if os.path.isdir(path) else open(path).read()[:4]
    except OSError as e:
        files[path] = type(e).__name__
print(json.dumps({"url": url, "post": call("api/records", {"records": forged}), "metrics": call("metrics")[0],
                  "course": call("courses/an1")[0], "other": call("learners/ana")[0],
                  "own": call("learners/ben")[0], "files": files}))
"""


def test_a_learners_shell_gets_no_further_than_its_own_records(analytics_site):
    from ...harness import execute

    site, hub = analytics_site, analytics_site.hub
    folder, token_file = hub.data_dir / "analytics", hub.data_dir / "analytics-api-token"
    code = PROBE % {"dir": str(folder), "token": str(token_file)}
    out = execute(hub, "ben", site.tokens["ben"], site.kernel("ben", "probe.ipynb"), code)
    assert out["error"] is None, out
    found = json.loads(out["stream"].strip().splitlines()[-1])
    assert found["url"].startswith("http://127.0.0.1:") and found["url"].endswith(SERVICE)  # past the proxy
    status, body = found["post"]
    assert status == 200 and json.loads(body)["ignored"] == 1, body  # the sync of a course ben is not in
    assert (found["metrics"], found["course"], found["other"], found["own"]) == (403, 403, 403, 200)
    # out of reach: closed to him, or not even in his view (the server's private /tmp)
    assert folder.is_dir() and token_file.is_file()
    assert set(found["files"].values()) <= {"PermissionError", "FileNotFoundError"}, found["files"]
    # nothing of it reached course an2's pages: its tutor sees no such notebook
    page = site.get("otto", "courses/an2")
    assert page.status_code == 200 and "evil.ipynb" not in page.text
    assert site.get("otto", "courses/an2/notebooks/lessons/evil.ipynb").status_code == 404
