"""Rendering hub templates offline, as JupyterHub and nativeauthenticator load them."""

from __future__ import annotations

import functools
import html.parser
from types import SimpleNamespace

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

from .common import JUPYTERHUB, NATIVE, OURS


class FakeHandler:
    """Stands in for JupyterHub's BaseHandler: only static_url and request."""

    def __init__(self, accept_language=None):
        headers = {"Accept-Language": accept_language} if accept_language else {}
        self.request = SimpleNamespace(headers=headers)

    def static_url(self, path, include_version=True):
        return f"/hub/static/{path}"


def environment(enable_async=False) -> Environment:
    # The loader JupyterHub.init_tornado_settings builds, with
    # template_paths=[ours], plus the one NativeAuthenticator appends.
    loader = ChoiceLoader([
        ChoiceLoader([
            PrefixLoader({"templates": FileSystemLoader([str(JUPYTERHUB)])}, "/"),
            FileSystemLoader([str(OURS), str(JUPYTERHUB)]),
        ]),
        FileSystemLoader([str(NATIVE / "templates")]),
    ])
    return Environment(loader=loader, autoescape=True, enable_async=enable_async,
                       extensions=["campushub.i18n.jinja.I18nExtension"])


def spawner(**kw):
    base = dict(name="lab", display_name="", ready=False, active=False, pending=None,
                last_activity=None, options_form="")
    return SimpleNamespace(**{**base, **kw})


def user(name="alice"):
    spawners = [spawner(), spawner(name="run", active=True, ready=True)]
    return SimpleNamespace(
        name=name, json_escaped_name=name, admin=True, spawner=spawner(),
        all_spawners=lambda include_default=True: spawners,
        server_url=lambda server="": f"/user/{name}/{server}",
    )


CASES = [
    ("page.html", dict(user=user(), services=[SimpleNamespace(name="grader", href="/services/grader")])),
    ("page.html", {}),
    ("native-login.html", dict(login_error="Invalid username or password.", username="alice",
                               enable_signup=True, two_factor_auth=True)),
    ("native-login.html", dict(login_error="User alice has not been authorized by an administrator yet.",
                               username="alice")),
    ("signup.html", dict(alert="alert-danger", ask_email=True, two_factor_auth=True, tos="ToS",
                         two_factor_auth_user=True, two_factor_auth_value="OTPSECRET",
                         result_message="Something went wrong!\nBe sure your username does not contain "
                         "spaces, commas or slashes, your password has at least 8 characters and is not too common.")),
    ("home.html", dict(user=user(), url="/hub/spawn/alice", default_server=spawner(active=True),
                       allow_named_servers=True, named_server_limit_per_user=3, invalid_server_names=["a b"])),
    ("home.html", dict(user=user(), url="/hub/spawn/alice", default_server=spawner(),
                       allow_named_servers=True, named_server_limit_per_user=0)),
    ("spawn.html", dict(user=user(), for_user=user("bob"), error_message="Out of memory",
                        spawner_options_form="<select name='image'></select>", url="/hub/spawn/bob")),
    ("spawn_pending.html", dict(user=user(), progress_url="/hub/api/users/alice/server/progress")),
    ("not_running.html", dict(user=user(), failed=True, server_name="lab", failed_message="boom")),
    ("not_running.html", dict(user=user(), server_name="", implicit_spawn_seconds=5)),
    ("not_running.html", dict(user=user(), server_name="lab")),
    ("error.html", dict(status_code=403, status_message="Forbidden", message="Action is not authorized")),
    ("error.html", dict(status_code=500, status_message="Internal Server Error", reason="timeout",
                        message="Failed to reach your server.  Please try again later.  "
                        "Contact admin if the issue persists.")),
    ("404.html", dict(status_code=404, status_message="Not Found")),
    ("error.html", dict(status_code=403, status_message="Forbidden", message="Sorry, you are not currently "
                        "authorized to use this hub. Please contact the hub administrator.")),
    ("error.html", dict(status_code=400, status_message="Bad Request", message="OAuth state mismatch")),
    ("login.html", dict(login_service="Google", authenticator_login_url="/hub/oauth_login")),
    ("login.html", dict(login_error="Invalid username or password", username="alice",
                        authenticator_login_url="/hub/login")),
    ("site-token-error.html", dict(status_code=403, reason="refused", site_url="https://learn.example.com/")),
    ("site-token-error.html", dict(status_code=403, reason="missing", site_url="https://learn.example.com/")),
    ("site-token-error.html", dict(status_code=503, reason="unavailable", site_url="https://learn.example.com/")),
    ("site-token-error.html", dict(status_code=200, reason="signed_out", site_url="")),
    ("oauth.html", dict(oauth_client=SimpleNamespace(description="Server at /user/hanako/",
                                                     redirect_uri="/user/hanako/oauth_callback"),
                        allowed_scopes=["access:servers!server=hanako/"],
                        scope_descriptions=[{"scope": "access:servers", "description": "Access servers",
                                             "filter": "Server=hanako/"}])),
    ("authorization-area.html", dict(user=user(), ask_email=True, users=[
        SimpleNamespace(username="alice", email="a@example.org", has_2fa=False, is_authorized=True),
        SimpleNamespace(username="bob", email="", has_2fa=True, is_authorized=False)])),
    ("authorization-area.html", dict(user=user(), users=[])),
    ("change-password.html", dict(user=user(), user_name="alice", alert="alert-danger",
                                  result_message="Something went wrong!\nBe sure your new password has at least "
                                  "8 characters and is not too common.")),
    ("change-password.html", dict(user=user(), user_name="alice", alert="alert-success",
                                  result_message="Your password has been changed successfully!")),
    ("change-password-admin.html", dict(user=user(), user_name="bob", alert="alert-success",
                                        result_message="The password for bob has been changed successfully")),
    ("change-password-admin.html", dict(user=user(), user_name="bob", alert="alert-danger",
                                        result_message="Something went wrong!\nBe sure the new password for bob has "
                                        "at least 8 characters and is not too common.")),
    ("my_message.html", dict(message="carol has been authorized!")),
    ("my_message.html", dict(message="Invalid URL")),
]


@functools.cache
def shared_environment() -> Environment:
    """One environment for every render, as a hub keeps one: the language is
    chosen per render (from the handler in the namespace), so only Jinja's
    compiled templates are shared, not ~90 recompilations of the same pages."""
    return environment()


def render(name, ns, accept_language, env=None):
    ns = {**dict(base_url="/hub/", prefix="/", login_url="/hub/login", logout_url="/hub/logout",
                 static_url=FakeHandler(accept_language).static_url, services=[],
                 parsed_scopes={"admin-ui"}, xsrf="XSRF", xsrf_token="XSRF"), **ns}
    return (env or shared_environment()).get_template(name).render(**ns)


class VisibleText(html.parser.HTMLParser):
    """Text a user can see or hear: content outside <script>, plus labels."""

    ATTRS = {"alt", "title", "placeholder", "value", "aria-label"}

    def __init__(self):
        super().__init__()
        self.parts, self._script = [], False

    def handle_starttag(self, tag, attrs):
        self._script = tag in ("script", "style")
        self.parts += [v for k, v in attrs if k in self.ATTRS and v]

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if not self._script:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())
