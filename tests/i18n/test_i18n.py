"""Unit tests of the translation core, the catalog and the hub templates."""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import html.parser
import importlib.util
import json
import re
import string
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
from jupyterhub._data import DATA_FILES_PATH

from campushub.i18n import negotiate, translate, translate_message
from campushub.i18n.jinja import PAGE_PATCHES, I18nExtension

PACKAGE = Path(__file__).resolve().parents[2] / "campushub"
OURS = PACKAGE / "hub" / "templates"
JUPYTERHUB = Path(DATA_FILES_PATH) / "templates"
NATIVE = Path(importlib.util.find_spec("nativeauthenticator").origin).parent
JA = json.loads((PACKAGE / "i18n" / "locale" / "ja.json").read_text(encoding="utf-8"))
RU = json.loads((PACKAGE / "i18n" / "locale" / "ru.json").read_text(encoding="utf-8"))
CATALOGS = {"ja": JA, "ru": RU}
IDENTICAL_OK = {"URL", "CPU", "GPUs"}  # words Japanese and Russian UIs keep

# _("..."), N_("..."), gettext("...") and translate(lang, "...").
_LIT = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
MARKED = re.compile(r"\b(?:N_|_|gettext)\(\s*" + _LIT)
TRANSLATE = re.compile(r"\btranslate\(\s*[^,()]+,\s*" + _LIT)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SCRIPTS = {"ja": JAPANESE, "ru": CYRILLIC}


def strings_in(text: str, patterns=(MARKED, TRANSLATE)) -> set[str]:
    return {a or b for p in patterns for a, b in p.findall(text)}


def python_strings(path: Path) -> set[str]:
    """Marked strings of a module, read with ast so that implicitly
    concatenated literals ("a " "b") count as the one string they are."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out |= strings_in(node.value)  # template source kept in Python (PAGE_PATCHES)
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        position = {"N_": 0, "_": 0, "gettext": 0, "translate": 1}.get(name)
        if position is not None and len(node.args) > position:
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.add(arg.value)
    return out


def template_strings() -> dict[str, set[str]]:
    return {p.name: strings_in(p.read_text(encoding="utf-8")) for p in sorted(OURS.glob("*.html"))}


# --- negotiate / translate ---------------------------------------------------

@pytest.mark.parametrize(
    "header, fixed, expected",
    [
        (None, "auto", "en"),
        ("", "auto", "en"),
        ("ja", "auto", "ja"),
        ("ja-JP", "auto", "ja"),
        ("JA_jp", "auto", "ja"),
        ("ja;q=0.9,en;q=0.8", "auto", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "auto", "en"),
        ("en;q=0.1, ja;q=0.2", "auto", "ja"),
        ("fr-FR, de;q=0.9, ja;q=0.5", "auto", "ja"),
        (" ja ; q = 0.5 , en ; q=0.4", "auto", "ja"),
        ("ja, en", "auto", "ja"),  # equal q: first listed wins
        ("en, ja", "auto", "en"),
        ("ja;q=0, en;q=0.1", "auto", "en"),  # q=0: not acceptable
        ("ja;q=2", "auto", "en"),  # out of range
        ("ja;q=abc", "auto", "en"),
        ("fr", "auto", "en"),
        ("*", "auto", "en"),
        (";;;q=,,,=;", "auto", "en"),
        ("\x00garbage\xff" * 500, "auto", "en"),
        ("en", "ja", "ja"),
        ("ja", "en", "en"),
        ("ja", "JA", "ja"),
        ("ja", "klingon", "ja"),  # invalid fixed value means auto
        ("ja", "", "ja"),
        ("ru", "auto", "ru"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "auto", "ru"),
        ("ja;q=0.5, ru;q=0.6", "auto", "ru"),
        ("ru, ja", "auto", "ru"),
        ("ja", "ru", "ru"),
        ("ru", "ja", "ja"),
    ],
)
def test_negotiate(header, fixed, expected):
    assert negotiate(header, fixed) == expected


def test_translate_with_placeholders_and_fallbacks():
    msg = "User {username} has not been authorized by an administrator yet."
    assert translate("ja", msg, username="alice").startswith("ユーザー「alice」")
    assert translate("en", msg, username="alice") == msg.format(username="alice")
    assert translate("ja", "Not in the catalog {x}", x=1) == "Not in the catalog 1"
    assert translate("fr", "Sign in") == "Sign in"
    assert translate("ja", "Sign in") == JA["Sign in"]
    assert translate("ja", "{literal} braces kept without kwargs") == "{literal} braces kept without kwargs"


def test_translate_message_matches_runtime_strings():
    known = [
        "Invalid username or password.",
        "User {username} has not been authorized by an administrator yet.",
    ]
    built = "User bob has not been authorized by an administrator yet."
    assert "「bob」" in translate_message("ja", built, known)
    assert translate_message("en", built, known) == built
    # nativeauthenticator embeds "\n"; HTML shows it as a space
    signup = ("Something went wrong!\nIt appears that this username is already in use. "
              "Please try again with a different username.")
    assert translate_message("ja", signup, [" ".join(signup.split())]) == JA[" ".join(signup.split())]
    assert translate_message("ja", "Something unexpected", known) == "Something unexpected"
    assert translate_message("ja", None, known) == ""


# --- catalog checks ----------------------------------------------------------

@pytest.mark.parametrize("lang", CATALOGS)
def test_every_template_string_is_translated(lang):
    cat = CATALOGS[lang]
    missing = {name: sorted(s - cat.keys()) for name, s in template_strings().items() if s - cat.keys()}
    assert not missing, f"add these to campushub/i18n/locale/{lang}.json (/tmp/chub/addstrings.py): {missing}"


def test_translation_calls_in_templates_use_literals():
    # A call with a variable would escape the check above.
    for path in OURS.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        calls = re.findall(r"\b(?:N_|_|gettext)\(", text)
        assert len(calls) == len(MARKED.findall(text)), f"{path.name}: _() needs a string literal"


@pytest.mark.parametrize("lang", CATALOGS)
def test_no_stale_or_untranslated_python_entries(lang):
    cat = CATALOGS[lang]
    used = set().union(*template_strings().values())
    for path in PACKAGE.rglob("*.py"):
        found = python_strings(path)
        assert found <= cat.keys(), f"{path}: untranslated in {lang}.json {sorted(found - cat.keys())}"
        used |= found
    assert not cat.keys() - used, f"unused {lang}.json entries: {sorted(cat.keys() - used)}"


def test_catalogs_have_the_same_sources():
    assert JA.keys() == RU.keys(), {"only ja": sorted(JA.keys() - RU.keys()), "only ru": sorted(RU.keys() - JA.keys())}


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.mark.parametrize("lang, source", [(lang, s) for lang, cat in CATALOGS.items() for s in sorted(cat)])
def test_catalog_entry_is_well_formed(lang, source):
    target = CATALOGS[lang][source]
    assert "\n" not in source and "\\" not in source
    assert fields(source) == fields(target), "placeholders must survive translation"
    assert SCRIPTS[lang].search(target) or source in IDENTICAL_OK, "not translated"
    assert not (lang == "ru" and JAPANESE.search(target)), "Japanese in the Russian catalog"
    assert not (lang == "ja" and CYRILLIC.search(target)), "Russian in the Japanese catalog"


# Russian numerals decline by the number ("1 файл", "2 файла", "5 файлов"), and
# str.format cannot choose; a count placeholder right before a noun reads wrong
# for most numbers, so Russian messages put counts after a colon or in brackets.
COUNTS = {"limit", "seconds", "requested", "free", "total", "minimum_password_length", "n", "count", "used"}


@pytest.mark.parametrize("source", sorted(s for s in RU if fields(s) & COUNTS))
def test_russian_counts_avoid_plural_forms(source):
    target = RU[source]
    for name in fields(source) & COUNTS:
        after = target.split(f"{{{name}}}", 1)[1]
        noun = re.match(r"\s*([а-яё]+)", after, re.IGNORECASE)
        assert not noun or noun.group(1).lower() in {"из", "с", "миб", "при"}, (
            f"{{{name}}} is followed by the word {noun.group(1)!r}, which must agree with the number: "
            "rephrase, e.g. 'Готово: {n}'")


def upstream_strings(path: Path) -> set[str]:
    """String constants of a module, f-string fields written as {name}."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.add("".join(
                v.value if isinstance(v, ast.Constant) else f"{{{ast.unparse(v.value)}}}"
                for v in node.values
            ))
    return {" ".join(s.split()) for s in out}


@pytest.mark.parametrize(
    "template, module",
    [
        ("native-login.html", NATIVE / "handlers.py"),
        ("signup.html", NATIVE / "handlers.py"),
        ("error.html", [Path(importlib.util.find_spec("jupyterhub").origin).parent / "handlers" / "base.py",
                        Path(importlib.util.find_spec("oauthenticator").origin).parent / "oauth2.py"]),
        ("login.html", Path(importlib.util.find_spec("jupyterhub").origin).parent / "handlers" / "login.py"),
        ("change-password.html", NATIVE / "handlers.py"),
        ("change-password-admin.html", NATIVE / "handlers.py"),
        ("my_message.html", NATIVE / "handlers.py"),
    ],
)
def test_runtime_messages_match_upstream_source(template, module):
    # translate_message only works if the N_ list matches what upstream builds.
    known = strings_in((OURS / template).read_text(encoding="utf-8"), [re.compile(r"\bN_\(\s*" + _LIT)])
    upstream = set().union(*(upstream_strings(m) for m in (module if isinstance(module, list) else [module])))
    assert known and known <= upstream, sorted(known - upstream)


def test_page_patches_still_apply():
    source = (JUPYTERHUB / "page.html").read_text(encoding="utf-8")
    for old, _new in PAGE_PATCHES:
        assert old in source, f"JupyterHub's page.html changed; update PAGE_PATCHES: {old!r}"


# --- rendering -----------------------------------------------------------------

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


def render(name, ns, accept_language, env=None):
    ns = {**dict(base_url="/hub/", prefix="/", login_url="/hub/login", logout_url="/hub/logout",
                 static_url=FakeHandler(accept_language).static_url, services=[],
                 parsed_scopes={"admin-ui"}, xsrf="XSRF", xsrf_token="XSRF"), **ns}
    return (env or environment()).get_template(name).render(**ns)


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


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_japanese(name, ns):
    page = render(name, ns, "ja-JP,ja;q=0.9,en;q=0.8")
    assert '<html lang="ja">' in page
    text = visible(page)
    leaks = [s for s, t in JA.items() if s != t and s in text]
    assert not leaks, f"English left on the Japanese {name}: {leaks}"
    assert JAPANESE.search(text)


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_russian(name, ns):
    page = render(name, ns, "ru-RU,ru;q=0.9,en-US;q=0.8")
    assert '<html lang="ru">' in page
    text = visible(page)
    leaks = [s for s, t in RU.items() if s != t and re.search(rf"\b{re.escape(s)}\b", text)]
    assert not leaks, f"English left on the Russian {name}: {leaks}"
    assert CYRILLIC.search(text) and not JAPANESE.search(page)


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_english(name, ns):
    page = render(name, ns, "en-US,en;q=0.9")
    assert '<html lang="en">' in page
    assert not JAPANESE.search(page) and not CYRILLIC.search(page)


def test_login_page_keeps_form_hooks_and_translates_messages():
    ns = dict(login_error="User alice has not been authorized by an administrator yet.",
              username="alice", enable_signup=True)
    ja = render("native-login.html", ns, "ja")
    assert JA["Sign in"] in ja
    assert translate("ja", "User {username} has not been authorized by an administrator yet.",
                     username="alice") in ja
    for hook in ('name="username"', 'name="password"', 'type="submit"', 'id="login_submit"',
                 'name="_xsrf"', 'action="/hub/login?next="', 'href="/hub/signup"'):
        assert hook in ja
    en = render("native-login.html", ns, "en")
    assert 'value="Sign in"' in en and ns["login_error"] in en


def test_signup_result_and_js_strings():
    page = render("signup.html", CASES[4][1], "ja")
    assert "8 文字以上" in page
    for field in ('name="signup_password"', 'name="signup_password_confirmation"', 'id="signup_submit"'):
        assert field in page
    pending = render("spawn_pending.html", CASES[8][1], "ja")
    # |tojson escapes non-ASCII, so look for the escaped form
    assert json.dumps(JA["Stopping server..."])[1:-1] in pending
    assert "EventSource" in pending  # JupyterHub's progress stream is still wired up


def test_language_from_fixed_setting_and_environment(monkeypatch):
    monkeypatch.delenv("CAMPUSHUB_LANGUAGE", raising=False)
    assert '<html lang="en">' in render("page.html", {}, None)  # no header at all
    monkeypatch.setattr(I18nExtension, "fixed_language", "ja")
    assert '<html lang="ja">' in render("page.html", {}, "en")
    monkeypatch.setattr(I18nExtension, "fixed_language", "auto")
    monkeypatch.setenv("CAMPUSHUB_LANGUAGE", "ja")
    assert '<html lang="ja">' in render("page.html", {}, "en")
    monkeypatch.setattr(I18nExtension, "fixed_language", "en")  # hub config wins
    assert '<html lang="en">' in render("page.html", {}, "ja")


def test_no_handler_in_context_means_english():
    env = environment()
    assert env.from_string("{{ current_language() }} {{ _('Sign in') }}").render() == "en Sign in"
    assert env.from_string("{{ _('Sign in') }}").render(static_url=lambda p: p) == "Sign in"


def test_async_environment_like_jupyterhub():
    env = environment(enable_async=True)
    ns = dict(static_url=FakeHandler("ja").static_url, base_url="/hub/", user=user(),
              parsed_scopes=set(), services=[], progress_url="/p")
    coro = env.get_template("spawn_pending.html").render_async(**ns)
    # a thread of its own: Playwright's sync API may hold this thread's loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        page = pool.submit(asyncio.run, coro).result()
    assert '<html lang="ja">' in page and JA["Your server is starting up."] in page


def test_own_environments_page_has_every_language():
    # A static page served in the user's environment (no catalog there).
    page = (PACKAGE / "singleuser" / "own_environments" / "index.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section lang="(\w+)" id="\1"[^>]*>(.*?)</section>', page, re.S))
    assert sections.keys() == {"en", *CATALOGS}
    commands = {lang: re.findall(r"<pre><code>(.*?)</code></pre>", text, re.S) for lang, text in sections.items()}
    assert all(c == commands["en"] and c for c in commands.values())
    for lang, script in SCRIPTS.items():
        assert script.search(sections[lang]) and f'data-show="{lang}"' in page
