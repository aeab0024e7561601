"""The assignments extension in a real user's server (local deployment):
JupyterLab loads @campushub/assignments from the shared environment with
its texts, and the server extension answers. This site has no course, so
no assignments service: fetch says so in one line. Fetch and submit
against the real service: tests/singleuser/test_learner_stack.py."""

from __future__ import annotations

import json
import re

import pytest
import requests

from campushub.singleuser.files import LAB_EXTENSION, server_files

from .conftest import start, stop

CHUNKS = [p.removeprefix(LAB_EXTENSION) for p in server_files()
          if p.startswith(LAB_EXTENSION + "static/") and p.endswith(".js")]


@pytest.mark.one_path("what JupyterLab and the server extension offer comes from the environment's files, the "
                     "same whichever way the server starts; that servers load the environment's extensions on "
                     "the exec path too, the resource-usage and server-proxy tests here check")
def test_jupyterlab_loads_the_submit_extension_and_the_server_part_answers(hub):
    token = start(hub, "lab-asg")
    headers = {"Authorization": f"token {token}"}
    base = f"{hub.url}/user/lab-asg/"
    try:
        page = requests.get(base + "lab", headers=headers, timeout=60)
        assert page.status_code == 200
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page.text,
                                      re.S).group(1))
        extension = next(e for e in config["federated_extensions"] if e["name"] == "@campushub/assignments")
        assert "@campushub/assignments" not in config.get("disabledExtensions", {}), config
        assert json.loads(config["campushubAssignments"])["Submit assignment"] == "Submit assignment"
        # the server serves the committed build, the command in one of its chunks
        served = "".join(requests.get(f"{base}lab/extensions/@campushub/assignments/{path}", headers=headers,
                                      timeout=60).text for path in [extension["load"], *CHUNKS])
        assert "campushub:submit-assignment" in served
        # the server extension: its confirm page, and one-line refusals
        confirm = requests.get(base + "campushub/assignments/fetch?course=ml101&assignment=ps1", headers=headers,
                               timeout=60)
        assert confirm.status_code == 200 and 'name="_xsrf"' in confirm.text
        r = requests.post(base + "campushub/assignments/submit", json={"path": "notes/x.ipynb"}, headers=headers,
                          timeout=60)
        assert r.status_code == 400 and "assignments/COURSE/ASSIGNMENT" in r.json()["message"], r.text
        r = requests.post(base + "campushub/assignments/fetch", json={"course": "ml101", "assignment": "ps1"},
                          headers=headers, timeout=60)
        assert r.status_code == 503 and r.json() == {"message": "Assignments are not available on this server."}
    finally:
        stop(hub, "lab-asg")
