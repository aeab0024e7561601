"""Fetch and submit assignments from inside a learner's Jupyter server.

Installed into every user environment as the server extension
`campushub_assignments` (singleuser/files.py): it runs in the learner's own
server, as the learner, so it imports nothing of CampusHub. It talks to the
hub service `assignments` with the server's own JUPYTERHUB_API_TOKEN (its
scope is this learner's access to that service and nothing more): the
service, not this code, decides who is in which course.

Fetch writes the student version into ~/assignments/{course}/{name}/ and
never replaces a file the learner already has; submit sends that folder's
notebooks. Both walk the folder through directory descriptors opened with
O_NOFOLLOW, so a symlink planted in it leads nowhere else. Texts come
translated from the hub (CAMPUSHUB_ASSIGNMENTS_TEXTS), as English otherwise.
"""

import base64
import html
import json
import os
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .assignments_folder import (
    FOLDER,
    NAME,
    Refused,
    assignment_dir,
    assignment_of,
    checked_name,
    checked_relative,
    read_notebooks,
    write_new,
)

UNREACHABLE = "The assignments service could not be reached; try again in a minute."


def texts():
    try:
        return json.loads(os.environ.get("CAMPUSHUB_ASSIGNMENTS_TEXTS") or "{}")
    except ValueError:
        return {}


def _(text, **args):
    try:
        return str(texts().get("texts", {}).get(text, text)).format(**args)
    except (KeyError, IndexError, ValueError):
        return text.format(**args)  # a broken translation must not hide the message


class Handler(JupyterHandler):
    """Pages for people coming from the assignments web page, JSON for JupyterLab."""

    @property
    def wants_json(self):
        return "json" in self.request.headers.get("Content-Type", "")

    def arguments(self):
        if self.wants_json:
            try:
                body = json.loads(self.request.body or b"{}")
            except (ValueError, RecursionError):
                body = None
            if not isinstance(body, dict):
                raise Refused(400, "The request was malformed.")
            return body
        return {k: self.get_body_argument(k, "") for k in ("course", "assignment", "path")}

    async def call(self, method, api_path, body=None):
        base = os.environ.get("CAMPUSHUB_ASSIGNMENTS_URL")
        if not base:
            raise Refused(503, "Assignments are not available on this server.")
        request = HTTPRequest(url_path_join(base, api_path), method=method,
                              body=None if body is None else json.dumps(body),
                              headers={"Authorization": "token " + os.environ.get("JUPYTERHUB_API_TOKEN", ""),
                                       "Content-Type": "application/json", "Accept": "application/json",
                                       "Accept-Language": texts().get("lang", "en")},
                              connect_timeout=15, request_timeout=300)
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as e:
            reply = {}
            try:
                reply = json.loads(e.response.body) if e.response is not None else {}
            except ValueError:
                pass
            if isinstance(reply, dict) and reply.get("message"):
                raise Refused(e.code if 400 <= e.code < 500 else 502, "{message}", message=reply["message"]) from None
            raise Refused(502, UNREACHABLE) from None
        except OSError:
            raise Refused(502, UNREACHABLE) from None
        try:
            reply = json.loads(response.body)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise Refused(502, UNREACHABLE)
        return reply

    def page(self, title, body, status=200):
        hub = url_path_join(os.environ.get("JUPYTERHUB_BASE_URL", "/"), "hub/")
        css = "".join(f'<link rel="stylesheet" href="{html.escape(url_path_join(hub, p))}">' for p in (
            "static/components/bootstrap/dist/css/bootstrap.min.css", "static/css/style.min.css"))
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(f"""<!doctype html><html lang="{html.escape(texts().get("lang", "en"))}"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>{css}</head><body><div class="container my-4" style="max-width:40rem">
<h1 class="h3 mb-3">{html.escape(title)}</h1>{body}</div></body></html>""")

    def answer(self, status, message, title, **extra):
        if self.wants_json:
            self.set_status(status)
            self.finish({"message": message, **extra})
        else:
            role = "success" if status < 400 else "danger"
            body = f'<div class="alert alert-{role}" role="alert">{html.escape(message)}</div>'
            course, name = self.get_body_argument("course", ""), self.get_body_argument("assignment", "")
            if NAME.match(course) and NAME.match(name):  # the form came from the assignment's page: back there
                back = url_path_join(os.environ.get("JUPYTERHUB_BASE_URL", "/"), "services/assignments/course",
                                     quote(course), "a", quote(name) + "/")
                body += (f'<a class="btn btn-outline-secondary" href="{html.escape(back)}">'
                         f'{html.escape(_("Back to the assignment"))}</a>')
            self.page(title, body, status)

    @web.authenticated
    async def post(self):
        title = _(self.title)
        try:
            status, message, extra = await self.act(self.arguments())
        except Refused as e:
            self.log.info("campushub_assignments: %s", e.text.format(**e.args_))
            self.answer(e.status, _(e.text, **e.args_), title)
            return
        except OSError as e:  # e.g. a full disk: one line, nothing half-written (write_new)
            self.log.warning("campushub_assignments: %s", e)
            self.answer(500, _("This did not work: {error}", error=e.strerror or str(e)), title)
            return
        if extra.get("redirect") and not self.wants_json:
            self.redirect(extra["redirect"])
            return
        self.answer(status, message, title, **extra)

    @web.authenticated
    def get(self):
        course, assignment = self.get_query_argument("course", ""), self.get_query_argument("assignment", "")
        try:
            checked_name(course, "course")
            checked_name(assignment, "assignment")
        except Refused as e:
            self.answer(e.status, _(e.text, **e.args_), _(self.title))
            return
        form = (f'<p>{html.escape(_(self.question, course=course, assignment=assignment))}</p>'
                f'<form method="post" action="{html.escape(self.request.path)}">{self.xsrf_form_html()}'
                f'<input type="hidden" name="course" value="{html.escape(course)}">'
                f'<input type="hidden" name="assignment" value="{html.escape(assignment)}">'
                f'<button type="submit" class="btn btn-primary">{html.escape(_(self.title))}</button></form>')
        self.page(_(self.title), form)


class FetchHandler(Handler):
    title = "Fetch assignment"
    question = "Copy assignment {assignment} of course {course} into your folder assignments/{course}/{assignment}?"

    async def act(self, args):
        course = checked_name(args.get("course"), "course")
        name = checked_name(args.get("assignment"), "assignment")
        reply = await self.call("GET", f"api/course/{quote(course)}/a/{quote(name)}/student")
        try:
            files = {"/".join(checked_relative(p)): base64.b64decode(d, validate=True)
                     for p, d in dict(reply.get("files") or {}).items()}
        except (TypeError, ValueError):
            raise Refused(502, UNREACHABLE) from None
        fd, folder = assignment_dir(course, name, create=True)
        try:
            written = [p for p, data in sorted(files.items()) if write_new(fd, p.split("/"), data)]
        finally:
            os.close(fd)
        kept = sorted(set(files) - set(written))
        where = f"{FOLDER}/{course}/{name}"
        message = _("Fetched {count} new files into {folder}.", count=len(written), folder=where)
        if kept:
            message += " " + _("Kept your own version of: {files}", files=", ".join(kept))
        notebooks = sorted(p for p in files if p.endswith(".ipynb"))
        root = os.path.abspath(os.path.expanduser(self.settings.get("server_root_dir") or "~"))
        relative = os.path.relpath(folder, root)
        lab = url_path_join(self.base_url, "lab/tree", quote(relative.replace(os.sep, "/")),
                            quote(notebooks[0]) if notebooks else "")
        return 200, message, {"folder": where, "written": written, "kept": kept, "notebooks": notebooks,
                              "redirect": lab if not relative.startswith("..") else None}


class SubmitHandler(Handler):
    title = "Submit assignment"
    question = "Submit the notebooks of your folder assignments/{course}/{assignment}?"

    async def act(self, args):
        if args.get("path"):
            course, name = assignment_of(os.path.expanduser(self.settings.get("server_root_dir") or "~"),
                                         args["path"])
        else:
            course = checked_name(args.get("course"), "course")
            name = checked_name(args.get("assignment"), "assignment")
        fd, _folder = assignment_dir(course, name)
        try:
            notebooks = read_notebooks(fd, await self.notebooks_of(course, name))
        finally:
            os.close(fd)
        files = {p: base64.b64encode(data).decode("ascii") for p, data in notebooks.items()}
        reply = await self.call("POST", f"api/course/{quote(course)}/a/{quote(name)}/submissions", {"files": files})
        message = reply.get("message") or _("Submitted: version {number} ({hash}).", number=reply.get("number"),
                                            hash=str(reply.get("sha256", ""))[:12])
        return 200, message, {"number": reply.get("number"), "sha256": reply.get("sha256"),
                              "late": reply.get("late"), "notebooks": sorted(notebooks)}

    async def notebooks_of(self, course, name):
        """The assignment's notebooks as the service lists them; None (all) if it does not."""
        listed = (await self.call("GET", "api/assignments")).get("assignments")
        for a in listed if isinstance(listed, list) else []:
            if isinstance(a, dict) and (a.get("course"), a.get("name")) == (course, name):
                return set(a.get("notebooks") or []) or None
        return None


def _jupyter_server_extension_points():
    return [{"module": "campushub_assignments"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, "campushub/assignments/fetch"), FetchHandler),
                                 (url_path_join(base, "campushub/assignments/submit"), SubmitHandler)])
    # JupyterLab's command label and messages, in the learner's language.
    labels = {k: _(k) for k in ("Submit assignment", "Saving…", "Submitting…", "Only a notebook can be submitted.")}
    web_app.settings.setdefault("page_config_data", {})["campushubAssignments"] = json.dumps(labels)

