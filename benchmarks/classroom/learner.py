"""One simulated learner, as a browser would go: login form, spawn, progress, JupyterLab, kernel, `5*4`.

Everything goes through the hub's public port (the proxy), with the
learner's own cookies, never a token: GET /hub/login, POST the form with
its _xsrf; follow the redirects (/hub/spawn, /hub/spawn-pending/NAME); if
the server is not ready yet, read the progress event stream the pending page
reads (/hub/api/users/NAME/server/progress) until it says ready; open
/user/NAME/ and follow the OAuth dance to JupyterLab's page; POST
api/kernels with the server's _xsrf and run `5*4` over the kernel websocket.
Static assets are not fetched. Times are seconds from the learner's arrival
(the GET of the login page).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import urljoin, urlsplit

import aiohttp
from yarl import URL

CODE, EXPECTED = "5*4", "20"
PLACE = re.compile(r"number (\d+) in line")  # the start queue's progress message (English)
MAX_HOPS = 20


class Failed(Exception):
    """The learner's flow went wrong in a way the hub or server said (one line)."""


def new_sample(name: str, arrival_s: float) -> dict:
    return {"user": name, "arrival_s": round(arrival_s, 3), "login_s": None, "spawn_s": None, "ready_s": None,
            "lab_s": None, "kernel_s": None, "result_s": None, "queue_place": None, "progress_events": 0,
            "error": None}


class Learner:
    def __init__(self, base: str, name: str, password: str, connector: aiohttp.BaseConnector):
        self.base, self.name, self.password = base, name, password
        self.session = aiohttp.ClientSession(
            connector=connector, connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True),
            headers={"Accept-Language": "en"}, timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )
        self.t0 = 0.0

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def xsrf(self, path: str) -> str:
        """The _xsrf cookie a browser would send to `path` (the hub's and the server's are different)."""
        cookie = self.session.cookie_jar.filter_cookies(URL(self.base + path)).get("_xsrf")
        return cookie.value if cookie else ""

    async def run(self, sample: dict) -> None:
        self.t0 = time.monotonic()
        try:
            url = await self.login(sample)
            url = await self.follow(url, sample)
            if sample["ready_s"] is None:
                raise Failed(f"ended at {urlsplit(url).path} without the server being ready")
            sample["lab_s"] = self.now()
            kernel = await self.start_kernel()
            sample["kernel_s"] = self.now()
            result = await self.execute(kernel)
            if result != EXPECTED:
                raise Failed(f"{CODE} gave {result!r}")
            sample["result_s"] = self.now()
        except Failed as e:
            sample["error"] = str(e)
        except Exception as e:  # one learner's failure is a result, not the end of the class
            sample["error"] = f"{type(e).__name__}: {e}"[:300]

    async def close(self) -> None:
        await self.session.close()

    async def login(self, sample: dict) -> str:
        async with self.session.get(self.base + "/hub/login") as r:
            await r.read()
            if r.status != 200:
                raise Failed(f"login page answered {r.status}")
        form = {"username": self.name, "password": self.password, "_xsrf": self.xsrf("/hub/login")}
        async with self.session.post(self.base + "/hub/login?next=", data=form, allow_redirects=False) as r:
            await r.read()
            if r.status != 302:
                raise Failed(f"login form answered {r.status}, not a redirect (wrong password?)")
            sample["login_s"] = self.now()
            return urljoin(self.base + "/hub/login", r.headers["Location"])

    async def follow(self, url: str, sample: dict) -> str:
        """Redirects until JupyterLab's page; the spawn, pending page and progress stream on the way."""
        user_prefix = f"/user/{self.name}/"
        for _ in range(MAX_HOPS):
            path = urlsplit(url).path
            if path.startswith("/hub/spawn/") or path.rstrip("/") == "/hub/spawn":
                if sample["spawn_s"] is None:
                    sample["spawn_s"] = self.now()
            elif path.startswith(user_prefix) and sample["ready_s"] is None:
                sample["ready_s"] = self.now()  # the hub sent us to the running server
            async with self.session.get(url, allow_redirects=False) as r:
                body = await r.text()
                if r.status in (301, 302, 303, 307):
                    url = urljoin(url, r.headers["Location"])
                    continue
                if r.status != 200:
                    raise Failed(f"GET {path} answered {r.status}")
            if path.startswith(user_prefix):
                return url  # JupyterLab (or whatever default_url is) rendered
            if "/hub/spawn-pending/" in path:
                ready_url = await self.progress(sample)
                # no ready event (the stream ended): reload the pending page, as the browser does
                url = urljoin(url, ready_url) if ready_url else url
            elif "/hub/spawn" in path and "<form" in body and "spawn_form" in body:
                url = await self.submit_options(url, sample)
            else:
                raise Failed(f"stopped at {path} (status 200, not the server nor a spawn page)")
        raise Failed(f"more than {MAX_HOPS} redirects")

    async def submit_options(self, url: str, sample: dict) -> str:
        """An options form (choices to make): submit it as it is, the defaults chosen."""
        sample["spawn_s"] = self.now()
        async with self.session.post(url, data={"_xsrf": self.xsrf("/hub/spawn")}, allow_redirects=False) as r:
            await r.read()
            if r.status not in (302, 303):
                raise Failed(f"spawn form answered {r.status}")
            return urljoin(url, r.headers["Location"])

    async def progress(self, sample: dict) -> str | None:
        """Read the spawn's event stream as the pending page does; the ready event's URL."""
        url = f"{self.base}/hub/api/users/{self.name}/server/progress"
        headers = {"Accept": "text/event-stream", "X-XSRFToken": self.xsrf("/hub/api/")}
        async with self.session.get(url, headers=headers) as r:
            if r.status != 200:
                raise Failed(f"progress stream answered {r.status}")
            async for raw in r.content:
                line = raw.decode(errors="replace").strip()
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                sample["progress_events"] += 1
                place = PLACE.search(event.get("message") or "")
                if place:
                    sample["queue_place"] = max(sample["queue_place"] or 0, int(place.group(1)))
                if event.get("failed"):
                    raise Failed("spawn failed: " + (event.get("message") or "no message")[:200])
                if event.get("ready"):
                    sample["ready_s"] = self.now()
                    return event.get("url")
        return None  # stream ended: the pending page then reloads, which redirects if the server runs

    async def start_kernel(self) -> str:
        path = f"/user/{self.name}/api/kernels"
        headers = {"X-XSRFToken": self.xsrf(path)}
        async with self.session.post(self.base + path, json={"name": "python3"}, headers=headers) as r:
            body = await r.text()
            if r.status != 201:
                raise Failed(f"starting a kernel answered {r.status}: {body[:150]}")
            return json.loads(body)["id"]

    async def execute(self, kernel_id: str) -> str | None:
        ws_url = self.base.replace("http", "ws", 1) + f"/user/{self.name}/api/kernels/{kernel_id}/channels"
        msg_id = uuid.uuid4().hex
        request = {
            "header": {"msg_id": msg_id, "username": self.name, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": CODE, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False},
        }
        result = None
        async with self.session.ws_connect(ws_url, headers={"X-XSRFToken": self.xsrf(f"/user/{self.name}/")},
                                           heartbeat=None, max_msg_size=0) as ws:
            await ws.send_str(json.dumps(request))
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                m = json.loads(msg.data)
                kind = m["header"]["msg_type"]
                if kind == "status" and m["content"]["execution_state"] in ("dead", "restarting", "autorestarting"):
                    raise Failed(f"the kernel is {m['content']['execution_state']}")
                if m.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if kind == "execute_result":
                    result = m["content"]["data"].get("text/plain")
                elif kind == "error":
                    raise Failed(f"{CODE} raised {m['content']['ename']}")
                elif kind == "status" and m["content"]["execution_state"] == "idle":
                    return result
        raise Failed("the kernel websocket closed before the reply")
