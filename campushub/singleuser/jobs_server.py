"""JupyterLab's "Run as job…" (labextension/src/jobs.js) posts here, to the
person's own server, which forwards to the hub service `jobs` with the
server's own JUPYTERHUB_API_TOKEN (its scopes include access to that
service, hub/services.py user_scopes). The page cannot call the service
itself: with hub.subdomain_host it is on the person's origin, where the
hub's cookies are never sent. The service, not this code, checks the
notebook, the parameters, the profile and the person's limits.

Installed into every user environment as the server extension
`campushub_jobs` (singleuser/files.py), so it imports nothing of CampusHub.
Its labels and messages come translated from the hub at spawn
(CAMPUSHUB_JOBS_TEXTS, hub/jobs_texts.py), only where the site runs jobs;
without them it adds nothing and the plugin stays away.
"""

import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

UNREACHABLE = "The jobs service could not be reached; try again in a minute."
MALFORMED = "The request was malformed."
OUTSIDE = "Only a notebook inside your home folder can run as a job."
MAX_BODY = 256 * 2**10  # a notebook's path, parameters and sweep values


def texts():
    try:
        found = json.loads(os.environ.get("CAMPUSHUB_JOBS_TEXTS") or "null")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _(text):
    return str(((texts() or {}).get("texts") or {}).get(text, text))


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class JobsHandler(APIHandler):
    async def call(self, method, api_path, body=None):
        """The service's JSON answer; its own refusals (one line, already in the person's language) pass on."""
        base = os.environ.get("CAMPUSHUB_JOBS_URL")
        if not base:
            raise Refused(503, _(UNREACHABLE))
        request = HTTPRequest(url_path_join(base, api_path), method=method,
                              body=None if body is None else json.dumps(body),
                              headers={"Authorization": "token " + os.environ.get("JUPYTERHUB_API_TOKEN", ""),
                                       "Content-Type": "application/json", "Accept": "application/json",
                                       "Accept-Language": (texts() or {}).get("lang", "en")},
                              connect_timeout=15, request_timeout=120)
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as e:
            message = _message(e.response.body if e.response is not None else b"")
            if message and 400 <= e.code < 500:
                raise Refused(e.code, message) from None
            raise Refused(502, _(UNREACHABLE)) from None
        except OSError:
            raise Refused(502, _(UNREACHABLE)) from None
        try:
            reply = json.loads(response.body)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise Refused(502, _(UNREACHABLE))
        return response.code, reply

    async def answer(self, work):
        try:
            status, reply = await work
        except Refused as e:
            self.log.info("campushub_jobs: %s", e.message)
            status, reply = e.status, {"message": e.message}
        self.set_status(status)
        self.finish(reply)


class SubmitHandler(JobsHandler):
    """POST {"notebook": path in JupyterLab, "parameters": ["name=value", ...], "sweep": ["name=v1,v2", ...],
    "profile": name|null}: the service's 201 {"jobs": [...], "sweep": id|null}, else its one line."""

    @web.authenticated
    async def post(self):
        await self.answer(self.submit())

    async def submit(self):
        body = _body(self.request.body)
        path = body.get("notebook")
        if not isinstance(path, str) or not path:
            raise Refused(400, _(MALFORMED))
        root = os.path.realpath(os.path.expanduser(self.settings.get("server_root_dir") or "~"))
        home = os.path.realpath(os.path.expanduser("~"))
        notebook = os.path.relpath(os.path.normpath(os.path.join(root, path)), home)
        if notebook == os.curdir or notebook.split(os.sep)[0] == os.pardir:
            raise Refused(400, _(OUTSIDE))
        forwarded = {"notebook": notebook.replace(os.sep, "/"), "parameters": body.get("parameters") or [],
                     "sweep": body.get("sweep") or [], "profile": body.get("profile") or None}
        return await self.call("POST", "api/jobs", forwarded)


class ProfilesHandler(JobsHandler):
    """GET: the profiles this person may run jobs with, as the service says."""

    @web.authenticated
    async def get(self):
        await self.answer(self.call("GET", "api/profiles"))


def _body(raw):
    if len(raw or b"") > MAX_BODY:
        raise Refused(413, _(MALFORMED))
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise Refused(400, _(MALFORMED))
    return body


def _message(raw):
    try:
        reply = json.loads(raw or b"{}")
    except ValueError:
        return None
    message = reply.get("message") if isinstance(reply, dict) else None
    return message if isinstance(message, str) and message else None


def _jupyter_server_extension_points():
    return [{"module": "campushub_jobs"}]


def _load_jupyter_server_extension(serverapp):
    found = texts()
    if found is None:
        return  # jobs are off on this site (or this is no hub's server)
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, "campushub/jobs/submit"), SubmitHandler),
                                 (url_path_join(base, "campushub/jobs/profiles"), ProfilesHandler)])
    labels = {k: v for k, v in (found.get("texts") or {}).items() if isinstance(k, str) and isinstance(v, str)}
    labels["jobsPage"] = str(found.get("page") or "")
    web_app.settings.setdefault("page_config_data", {})["campushubJobs"] = json.dumps(labels, ensure_ascii=False)
