"""Spawn progress events come from the spawner's steps, in the language of the request."""

import threading

import requests

from ....conftest import make_user
from ....harness import progress_events, wait_for
from ....processes import HeldForkServers


def test_progress_steps_in_japanese(hub, admin, spawn_path):
    user = make_user(hub, admin, "fumi")
    user.session.headers["Accept-Language"] = "ja-JP,ja;q=0.9"
    # The stream is read while the start is pending (a finished start's stream
    # says only "ready"): a forked start waits on its held fork server until
    # the stream is open; a start by exec spends seconds starting Python.
    with HeldForkServers(hub.data_dir) as held:
        if spawn_path == "exec":
            held.release()
        browser = requests.Session()  # a second tab: a Session is not shared between threads
        browser.cookies.update(user.session.cookies)
        browser.headers.update(user.session.headers)
        opened = threading.Thread(target=browser.get, args=(f"{hub.url}/hub/spawn/fumi",), kwargs={"timeout": 60})
        opened.start()
        wait_for(lambda: hub.api("GET", "users/fumi").json()["servers"].get("", {}).get("pending") == "spawn",
                 60, "fumi's start to be pending")
        events = progress_events(hub, user, "fumi", timeout=180, on_event=lambda event: held.release())
    opened.join(60)
    messages = [e.get("message", "") for e in events]
    assert events[-1].get("ready"), events
    for step in ("アカウントを準備しています", "リソース上限を設定しています"):
        assert step in messages, messages
    # No form is shown by default (nothing to choose): the start step says which environment runs.
    assert "サーバーを起動しています（環境: python:stable (default)）" in messages, messages
