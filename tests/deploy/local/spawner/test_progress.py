"""Spawn progress events come from the spawner's steps, in the language of the request."""

from ....conftest import make_user
from ....harness import progress_events


def test_progress_steps_in_japanese(hub, admin):
    user = make_user(hub, admin, "fumi")
    user.session.headers["Accept-Language"] = "ja-JP,ja;q=0.9"
    assert user.session.get(f"{hub.url}/hub/spawn/fumi", timeout=60).status_code == 200
    events = progress_events(hub, user, "fumi", timeout=180)
    messages = [e.get("message", "") for e in events]
    assert events[-1].get("ready"), events
    for step in ("アカウントを準備しています", "リソース上限を設定しています"):
        assert step in messages, messages
    # No form is shown by default (nothing to choose): the start step says which environment runs.
    assert "サーバーを起動しています（環境: python:stable (default)）" in messages, messages
