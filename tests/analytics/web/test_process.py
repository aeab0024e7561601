"""`python -m campushub.analytics.service` as a real process with the
environment JupyterHub gives a service (the hub itself is not running: the
page redirects to its login, the poller logs one line): it creates its
private folder and SQLite database, answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import requests

from ...harness import free_port, wait_for


def test_the_service_process_serves_and_stops_on_sigterm(tmp_path):
    (tmp_path / "site.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n")
    port = free_port()
    env = {**os.environ, "CAMPUSHUB_CONFIG": str(tmp_path / "site.yaml"),
           "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}", "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
           "JUPYTERHUB_API_TOKEN": "unused", "JUPYTERHUB_SERVICE_PREFIX": "/services/analytics/",
           "JUPYTERHUB_CLIENT_ID": "service-analytics",
           "JUPYTERHUB_OAUTH_CALLBACK_URL": "/services/analytics/oauth_callback"}
    for name in ("CAMPUSHUB_ANALYTICS_DIR", "CAMPUSHUB_ANALYTICS_DB_URL", "CAMPUSHUB_ANALYTICS_BIND"):
        env.pop(name, None)
    log = tmp_path / "service.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "campushub.analytics.service"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/services/analytics/"
        r = wait_for(lambda: requests.get(url, allow_redirects=False, timeout=5), 60, "the service to answer")
        assert r.status_code == 302 and r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        r = requests.post(url + "api/records", json={"records": []}, timeout=5)
        assert r.status_code == 403 and r.json()["message"]
        folder = tmp_path / "data" / "analytics"
        assert (folder / "analytics.sqlite").is_file() and stat.S_IMODE(folder.stat().st_mode) == 0o700
        wait_for(lambda: "polling the hub failed" in log.read_text(), 30, "the poller to report the absent hub")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0, log.read_text()
    assert "stopped" in log.read_text() and "Traceback" not in log.read_text()
