"""The two hubs of the restart benchmark: made once, populated, then restarted and asked round by round."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from campushub.config import defaults as site_defaults
from tests.harness import Hub

from ..spawn.hubs import start_stock
from ..spawn.stock import StockHub
from ..spawn.targets import CampusTarget
from .population import populate

POLL = 0.02  # seconds between two GET /hub/api/ while a hub restarts


def first_answer(url: str, stop: threading.Event, t0: float, found: dict) -> None:
    """Record in found["s"] the seconds from t0 until `url` first answers 200."""
    while not stop.is_set():
        try:
            if requests.get(url, timeout=1).status_code == 200:
                found["s"] = time.monotonic() - t0
                return
        except requests.RequestException:
            pass
        time.sleep(POLL)


@dataclass
class Side:
    """One hub as the benchmark drives it."""

    name: str                   # "campushub" | "stock"
    url: str                    # the proxy's public URL
    token: str                  # a service token allowed to list users
    db_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def users_page(self) -> float:
        """Milliseconds for one GET /hub/api/users?limit=200."""
        t = time.perf_counter()
        r = self.session.get(f"{self.url}/hub/api/users", params={"limit": 200}, timeout=30,
                             headers={"Authorization": f"token {self.token}"})
        ms = 1000 * (time.perf_counter() - t)
        if r.status_code != 200 or len(r.json()) != 200:
            raise RuntimeError(f"{self.name}: GET /hub/api/users?limit=200 answered {r.status_code}: {r.text[:200]}")
        return ms

    def restart(self) -> dict:
        """Stopped, then started again: its timings."""
        self.stop()
        self.session.close()  # a fresh connection to the restarted proxy
        return self.start()

    def start(self) -> dict:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


def _database(folder: Path) -> str:
    return f"sqlite:///{folder}/jupyterhub.sqlite"


class CampusSide(Side):
    def __init__(self, hub: Hub):
        super().__init__("campushub", hub.url, hub.api_token, _database(hub.data_dir))
        self.hub = hub

    def start(self) -> dict:
        """`campushub up` (after `campushub down`: servers keep running; there are none)."""
        stop, found = threading.Event(), {}
        t0 = time.monotonic()
        poller = threading.Thread(target=first_answer, args=(f"{self.url}/hub/api/", stop, t0, found), daemon=True)
        poller.start()
        try:
            self.hub.up(admin=None)
            running = time.monotonic() - t0
            poller.join(30)
        finally:
            stop.set()
        if "s" not in found:
            raise RuntimeError(f"campushub up reported running but GET {self.url}/hub/api/ never answered")
        return {"api_s": round(found["s"], 3), "up_done_s": round(running, 3)}

    def stop(self) -> None:
        if self.hub.proc and self.hub.proc.poll() is None:
            self.hub.down()


class StockSide(Side):
    def __init__(self, stock: StockHub):
        super().__init__("stock", stock.url, stock.api_token, _database(stock.workdir))
        self.hub = stock

    def start(self) -> dict:
        """`python -m jupyterhub` (stopping it stopped the proxy it started)."""
        t0 = time.monotonic()
        self.hub.up(poll=POLL)
        return {"api_s": round(time.monotonic() - t0, 3)}

    def stop(self) -> None:
        self.hub.down()


def make_sides(workdir: Path, users: int, made: list) -> tuple[dict, list[Side]]:
    """Both hubs started once on empty databases, stopped, and given the same `users` people.

    made: filled as soon as each side exists, so that cleanup finds a half-made run too.
    """
    hub = Hub.create(workdir / "campushub", {"limits": dict(site_defaults()["limits"])})
    campus = CampusSide(hub)
    made.append(campus)
    hub.up(admin=None)
    stock_target, _ = start_stock(workdir, CampusTarget(hub), created=lambda t: made.append(StockSide(t.hub)))
    stock = made[-1]
    people = {}
    for side in (campus, stock):
        side.stop()
        people[side.name] = populate(side.db_url, users)
    if people["campushub"] != people["stock"]:
        raise RuntimeError(f"the two databases got different people: {people}")
    return people["stock"], [campus, stock]

