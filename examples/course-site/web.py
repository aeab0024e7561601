"""Routes of the course site: sign-in, lessons with the embedded notebook,
sign-out, and the token endpoint CampusHub may ask."""

from __future__ import annotations

import hmac
import json
import re
import secrets
import sys
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pages
import store

STATIC_DIR = Path(__file__).resolve().parent / "static"
HUB_COOKIE, SESSION_COOKIE, CSRF_COOKIE = "campushub_token", "site_session", "site_csrf"
MAX_BODY = 16 * 1024


@dataclass
class Settings:
    db: str
    hub_url: str
    https: bool
    ttl: int
    cookie_domain: str | None = None
    token_in_url: bool = False
    api_key: bytes | None = None


class Refused(Exception):
    def __init__(self, status: int, body: str | dict):
        super().__init__(status)
        self.status, self.body = status, body


class Handler(BaseHTTPRequestHandler):
    server_version, sys_version = "CampusLearn", ""
    settings: Settings  # set by site.py on a subclass

    # ---- plumbing ---------------------------------------------------------

    def do_GET(self):
        self._dispatch({"/": self.home, "/lessons": self.lesson_list, "/logout": self.confirm_sign_out},
                       {r"/lessons/([a-z0-9-]+)": self.lesson, r"/static/([a-z0-9-]+\.css)": self.static})

    def do_POST(self):
        self._dispatch({"/login": self.sign_in, "/logout": self.sign_out, "/api/campushub/token": self.token_api}, {})

    def _dispatch(self, exact: dict, patterns: dict):
        path = urlsplit(self.path).path
        self.new_cookies: list[str] = []
        self.conn = store.connect(self.settings.db)
        try:
            if path in exact:
                return exact[path]()
            for pattern, route in patterns.items():
                if m := re.fullmatch(pattern, path):
                    return route(*m.groups())
            self.send_html(404, pages.message("Not found", "There is no page at this address."))
        except Refused as r:
            if isinstance(r.body, dict):
                self.send_json(r.status, r.body)
            else:
                self.send_html(r.status, r.body)
        except Exception:
            traceback.print_exc(file=sys.stderr)  # for the operator; the visitor gets a plain page
            self.send_html(500, pages.message("Something went wrong", "Please try again in a moment."))
        finally:
            self.conn.close()

    def cookies(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for header in self.headers.get_all("Cookie") or []:
            for part in header.split(";"):
                name, _, value = part.strip().partition("=")
                found.setdefault(name, []).append(value)
        return found

    def cookie(self, name: str) -> str:
        return (self.cookies().get(name) or [""])[0]

    def set_cookie(self, name: str, value: str, max_age: int, *, hub: bool = False):
        parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
        if hub and self.settings.cookie_domain:
            parts.append(f"Domain={self.settings.cookie_domain}")
        if self.settings.https:
            # The hub reads its cookie inside an iframe: only SameSite=None
            # reaches it there, and browsers allow that only with Secure.
            parts += ["Secure", "SameSite=None" if hub else "SameSite=Lax"]
        else:
            parts.append("SameSite=Lax")
        self.new_cookies.append("; ".join(parts))

    def csrf_token(self) -> str:
        token = self.cookie(CSRF_COOKIE)
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token):
            token = secrets.token_urlsafe(32)
            self.set_cookie(CSRF_COOKIE, token, 7 * 24 * 3600)
        return token

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        for cookie in self.new_cookies:
            self.send_header("Set-Cookie", cookie)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_html(self, status: int, text: str):
        hub = urlsplit(self.settings.hub_url)
        csp = (f"default-src 'self'; frame-src {hub.scheme}://{hub.netloc}; frame-ancestors 'none'; "
               "form-action 'self'; base-uri 'none'")
        self._send(status, text.encode(), "text/html; charset=utf-8",
                   {"Content-Security-Policy": csp, "Cache-Control": "no-store"})

    def send_json(self, status: int, data: dict, headers: dict | None = None):
        self._send(status, json.dumps(data).encode(), "application/json",
                   {"Cache-Control": "no-store", **(headers or {})})

    def redirect(self, location: str):
        self._send(303, b"", "text/plain", {"Location": location, "Cache-Control": "no-store"})

    def read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refused(411, {"error": "Content-Length required"}) from None
        if not 0 <= length <= MAX_BODY:
            raise Refused(413, {"error": "request body too large"})
        return self.rfile.read(length)

    def read_form(self) -> dict[str, str]:
        """A same-origin form with the CSRF token of this browser, or Refused."""
        try:
            fields = parse_qs(self.read_body().decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
        except ValueError:  # too many fields: not our form
            fields = {}
        form = {k: v[0] for k, v in fields.items()}
        origin = self.headers.get("Origin")
        own = f"{'https' if self.settings.https else 'http'}://{self.headers.get('Host', '')}"
        expected = self.cookie(CSRF_COOKIE)
        if (origin and origin != own) or not expected or not hmac.compare_digest(
                form.get("csrf", "").encode(), expected.encode()):
            raise Refused(403, pages.sign_in(self.csrf_token(), error=(
                "This form has expired or came from another site. Please sign in again.")))
        return form

    def signed_in(self):
        return store.session_user(self.conn, self.cookie(SESSION_COOKIE))

    # ---- pages ------------------------------------------------------------

    def home(self):
        if self.signed_in():
            return self.redirect("/lessons")
        query = parse_qs(urlsplit(self.path).query)
        bye = "You have signed out." if "signed_out" in query else ""
        self.send_html(200, pages.sign_in(self.csrf_token(), next_url=query.get("next", [""])[0], message=bye))

    def sign_in(self):
        form = self.read_form()
        username, password = form.get("username", "").strip().lower(), form.get("password", "")
        next_url = form.get("next", "")

        def again(status, error):
            self.send_html(status, pages.sign_in(self.csrf_token(), next_url=next_url, error=error, username=username))
        if not username or not password:
            return again(400, "Please enter your user name and your password.")
        if len(username) > 64 or len(password) > 1024 or not store.check_password(self.conn, username, password):
            return again(401, "Unknown user name or wrong password.")
        # A new sign-in in this browser replaces the old one and its hub token.
        store.end_session(self.conn, self.cookie(SESSION_COOKIE))
        session, token = store.start_session(self.conn, username, self.settings.ttl)
        self.set_cookie(SESSION_COOKIE, session, self.settings.ttl)
        self.set_cookie(HUB_COOKIE, token, self.settings.ttl, hub=True)
        local = next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url
        self.redirect(next_url if local else "/lessons")

    def lesson_list(self):
        user = self.signed_in()
        if not user:
            return self.redirect("/?next=/lessons")
        self.send_html(200, pages.lesson_list(user["username"], self.csrf_token()))

    def lesson(self, slug: str):
        user = self.signed_in()
        if not user:
            return self.redirect(f"/?next=/lessons/{slug}")
        found = pages.lessons().get(slug)
        if not found:
            return self.send_html(404, pages.message("No such lesson", "That lesson does not exist.",
                                                     link="/lessons", link_text="All lessons"))
        # Only the hash is stored; the raw token comes back from the browser's cookie.
        token = next((t for t in self.cookies().get(HUB_COOKIE, [])
                      if hmac.compare_digest(store.sha256(t), user["token_sha256"])), None)
        if token is None:
            # The session is still good; a lost cookie should not mean signing in again.
            sys.stderr.write(f"{self.address_string()} - the browser did not send back {HUB_COOKIE}; "
                             "issuing a new one (does --cookie-domain match this host name?)\n")
            token = store.replace_token(self.conn, self.cookie(SESSION_COOKIE), user["username"], user["expires_at"])
            self.set_cookie(HUB_COOKIE, token, user["expires_at"] - int(time.time()), hub=True)
        src = f"{self.settings.hub_url}/hub/login?next={quote('/hub/user-redirect/lab')}"
        if self.settings.token_in_url:
            src += f"&token={quote(token, safe='')}"
        self.send_html(200, pages.lesson(found[0], found[1], src, user["username"], self.csrf_token()))

    def confirm_sign_out(self):
        self.send_html(200, pages.sign_out(self.csrf_token()))

    def sign_out(self):
        self.read_form()
        store.end_session(self.conn, self.cookie(SESSION_COOKIE))
        self.set_cookie(SESSION_COOKIE, "", 0)
        self.set_cookie(HUB_COOKIE, "", 0, hub=True)
        self.redirect("/?signed_out=1")

    def static(self, name: str):
        path = STATIC_DIR / name
        if not path.is_file():
            return self.send_html(404, pages.message("Not found", "There is no page at this address."))
        self._send(200, path.read_bytes(), "text/css; charset=utf-8", {"Cache-Control": "max-age=300"})

    # ---- the endpoint CampusHub asks (auth.site_token.http) ---------------

    def token_api(self):
        key = self.settings.api_key
        if key is None:
            raise Refused(404, {"error": "the token endpoint is not enabled (--api-key-file)"})
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key):
            return self.send_json(401, {"error": "wrong or missing API key"}, {"WWW-Authenticate": "Bearer"})
        try:
            data = json.loads(self.read_body())
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, {"error": "the body must be JSON"}) from None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise Refused(400, {"error": 'the body must be {"token": "..."}'})
        verdict, info = store.token_info(self.conn, token)
        if verdict == "unknown":
            return self.send_json(404, {"error": "unknown token"})
        if verdict == "refused":
            return self.send_json(403, {"error": "token expired or revoked"})
        self.send_json(200, info)
