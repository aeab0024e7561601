"""A class arriving at once on a real hub whose start line is one wide
(spawner.concurrent_starts: 1): every start succeeds, those who wait see
their place in line in their language on the progress stream, and the hub
answers other requests meanwhile. Real hub, proxy, unix accounts and servers."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from campushub.hub import start_queue
from campushub.i18n import translate

from ..harness import Hub, add_people, running, wait_for

CLASS = [f"line{i}" for i in range(4)]


@pytest.fixture(scope="module")
def line_hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("line"), {"spawner": {"concurrent_starts": 1}})) as h:
        yield h


def _headers(hub: Hub) -> dict:
    return {"Authorization": f"token {hub.api_token}", "Accept-Language": "ru"}


def _server(hub: Hub, name: str) -> dict:
    return hub.api("GET", f"users/{name}").json().get("servers", {}).get("", {})


def _start(hub: Hub, name: str) -> int:
    return requests.post(f"{hub.url}/hub/api/users/{name}/server", headers=_headers(hub), timeout=120).status_code


def _watch(hub: Hub, name: str, enough=lambda event: False) -> list[dict]:
    """The progress stream of `name`'s start, as its spawn page reads it (from the start's first
    event), to its end or to the first event that is `enough`."""
    wait_for(lambda: _server(hub, name).get("pending") == "spawn" or _server(hub, name).get("ready"),
             60, f"{name}'s start to begin")
    events = []
    url = f"{hub.url}/hub/api/users/{name}/server/progress"
    with requests.get(url, headers=_headers(hub), stream=True, timeout=180) as r:
        if r.status_code != 200:
            return events  # ready already: nothing left to watch
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1].get("failed") or events[-1].get("ready") or enough(events[-1]):
                    break
    return events


def _pattern(source: str) -> re.Pattern:
    template = re.escape(translate("ru", source))
    return re.compile(template.replace(re.escape("{position}"), r"\d+").replace(re.escape("{seconds}"), r"\d+"))


def test_a_class_arriving_at_once_waits_in_line_and_every_start_succeeds(line_hub):
    add_people(line_hub, dict.fromkeys(CLASS))
    with ThreadPoolExecutor(2 * len(CLASS)) as pool:
        watches = {name: pool.submit(_watch, line_hub, name) for name in CLASS}
        starts = {name: pool.submit(_start, line_hub, name) for name in CLASS}
        # the hub keeps answering while the class is in line
        assert line_hub.api("GET", "users").status_code == 200
        codes = {name: f.result() for name, f in starts.items()}
        assert set(codes.values()) <= {201, 202}, codes  # started, or still starting: none refused
        events = {name: f.result() for name, f in watches.items()}
    wait_for(lambda: all(_server(line_hub, n).get("ready") for n in CLASS), 240, "every server to be ready")
    assert not any(e.get("failed") for evs in events.values() for e in evs), events
    in_line, turn = _pattern(start_queue.IN_LINE), translate("ru", start_queue.YOUR_TURN)
    waited = [n for n, evs in events.items() if any(in_line.fullmatch(e.get("message", "")) for e in evs)]
    # four at once through a line one wide: someone waited, and was told so in Russian
    assert waited, events
    for name in waited:
        messages = [e.get("message") for e in events[name]]
        assert turn in messages[messages.index(next(m for m in messages if in_line.fullmatch(m or ""))):]


def test_a_learner_who_stops_while_in_line_leaves_it_and_can_start_again(line_hub):
    """The spawn page's stop (DELETE while the start is pending): JupyterHub cancels the start,
    which must leave the line and hold no slot, or with one slot nobody would start again."""
    names = [f"stop{i}" for i in range(5)]
    add_people(line_hub, dict.fromkeys(names))
    *others, last = names
    in_line = _pattern(start_queue.IN_LINE)
    with ThreadPoolExecutor(len(names) + 1) as pool:
        for name in others:
            pool.submit(_start, line_hub, name)
        wait_for(lambda: any(_server(line_hub, n).get("pending") == "spawn" for n in others), 60, "a start")
        pool.submit(_start, line_hub, last)  # its answer is the interrupted start's: not ours to judge
        seen = _watch(line_hub, last, lambda e: bool(in_line.fullmatch(e.get("message", ""))))
        assert any(in_line.fullmatch(e.get("message", "")) for e in seen), seen
        r = requests.delete(f"{line_hub.url}/hub/api/users/{last}/server", headers=_headers(line_hub), timeout=60)
        assert r.status_code in (202, 204), r.text
        wait_for(lambda: not _server(line_hub, last), 120, f"{last}'s interrupted start to be gone")
    wait_for(lambda: all(_server(line_hub, n).get("ready") for n in others), 240, "the others to be ready")
    # a slot left behind by the interrupted start would keep this one in line for good
    assert _start(line_hub, last) in (201, 202)
    wait_for(lambda: _server(line_hub, last).get("ready"), 120, f"{last}'s new start to be ready")
