"""The help portal's tornado Application: the built MkDocs site, served to
people signed in to the hub (HubOAuth, through webservice's BaseHandler) by
tornado's StaticFileHandler. The site folder is a symlink a rebuild swaps
(build.py), so it is resolved at every request: a new build is served at
once, and every file served is inside the one build resolved (tornado refuses
paths and symlinks leading out of it, and never lists a folder).

The portal's root, asked for with no language in the path, sends the person
to their language's root (ja/, ru/), chosen as the hub chooses: the site's
ui.language, else the browser's. Not when they come from a page of the
portal: that is someone who picked English in the portal's language menu."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ..i18n import DEFAULT, N_, SUPPORTED
from ..webservice.handler import NOT_FOUND, BaseHandler, NotFoundHandler
from ..webservice.jinja import environment

TEMPLATES = Path(__file__).with_name("templates")
NOT_BUILT = N_("The help portal is not built yet: ask the hub's administrator to run `campushub help build`.")
# Material's bundles carry their content's hash in their names (main.8c3ca2c6.min.css): kept for a year.
HASHED = re.compile(r"^assets/.*\.[0-9a-f]{8}\.min\.(css|js)$")
# mkdocs writes 404.html with links from the server's root when site_url is unset (mkdocs#1598):
# attributes, Material's __config (base, search worker) and its local-storage scope
PAGE_LANG = re.compile(r'<html lang="([^"]+)"')
ROOT_LINK = re.compile(r'((?:href|src)="|"(?:base|search)": "|new URL\(")/(?!/)')


class PortalHandler(BaseHandler, web.StaticFileHandler):
    needs_roles = False

    def initialize(self) -> None:
        self.root, self.default_filename = "", "index.html"

    @web.authenticated
    async def get(self, path: str, include_body: bool = True) -> None:
        site = os.path.realpath(self.settings["help_site"])  # this request's build, whatever a rebuild does
        if not os.path.isfile(os.path.join(site, "index.html")):
            self.fail(503, NOT_BUILT)
        self.root = site
        if "\x00" in path:  # tornado's realpath raises on it (a 500 and a traceback): no file has one
            self.fail(404, NOT_FOUND)
        if not path and self.request.path == self.prefix and self._language_root():
            return
        await super().get(path, include_body)

    def _language_root(self) -> bool:
        """Redirect to the person's language's root; False: they stay at the (English) root."""
        self.set_header("Vary", "Accept-Language, Referer")
        lang = self.lang
        referer = urlparse(self.request.headers.get("Referer") or "").path
        if lang == DEFAULT or referer.startswith(self.prefix):
            return False
        self.set_header("Cache-Control", "private, no-cache")
        self.redirect(f"{self.prefix}{lang}/")  # a fixed language folder: nothing of the request in it
        return True

    def check_xsrf_cookie(self) -> None:
        # HubOAuth takes the login cookie on a script's GET (fetch(), a worker) only past this check, and a
        # static site sends no XSRF token: Material's search index and search worker were answered with
        # the OAuth redirect, so search never started. A read of a file of the portal by a page of this
        # origin (Sec-Fetch-Site, which pages cannot forge) changes nothing; anything else is checked.
        if self.request.method in ("GET", "HEAD") and self.request.headers.get("Sec-Fetch-Site") == "same-origin":
            return
        super().check_xsrf_cookie()

    def get_cache_time(self, path, modified, mime_type) -> int:
        return 0  # Cache-Control comes from set_extra_headers

    def set_extra_headers(self, path: str) -> None:
        # private: pages behind a login; no-cache: asked again (304 by ETag) so a rebuild shows at once
        hashed = HASHED.match(path)
        self.set_header("Cache-Control", "private, max-age=31536000, immutable" if hashed else "private, no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        if path.lower().endswith(".svg"):
            # an SVG opened by itself is a document that runs its scripts on the hub's origin: none here
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'")

    def write_error(self, status_code: int, **kwargs) -> None:
        page = self._not_found_page() if status_code == 404 and self.current_user else None
        if page is None:
            super().write_error(status_code, **kwargs)
            return
        self.clear_header("Content-Type")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "private, no-cache")
        self.finish(page)

    def _not_found_page(self) -> str | None:
        """The build's own 404.html in the language of the missing page's folder (ja/, ru/, else English),
        its links made to point below the prefix; None when the build has none in that language (then the
        service's own one-line page: mkdocs-static-i18n builds each language's 404.html at the root, the
        last one built staying there)."""
        site = self.root or os.path.realpath(self.settings["help_site"])
        lang = (self.path_args[0] if self.path_args else "").split("/", 1)[0]
        lang = lang if lang in SUPPORTED else DEFAULT
        for folder in ([lang] if lang != DEFAULT else []) + [""]:
            try:
                text = Path(site, folder, "404.html").read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found = PAGE_LANG.search(text)
            if found and found.group(1).split("-")[0] == lang:
                return ROOT_LINK.sub(lambda m: m.group(1) + self.prefix, text)
        return None


def make_app(*, site: str, site_config: dict, prefix: str, hub_prefix: str, cookie_secret: bytes,
             hub_auth=None) -> web.Application:
    handlers = [
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
        (prefix + "(.*)", PortalHandler),
        (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix}),
    ]
    settings = {
        "help_site": site, "site_config": site_config, "service_prefix": prefix, "hub_prefix": hub_prefix,
        "cookie_secret": cookie_secret, "max_body": 64 * 2**10,
        "language": (site_config.get("ui") or {}).get("language", "auto"), "jinja": environment(TEMPLATES),
        "default_handler_class": NotFoundHandler, "xsrf_cookies": False,
    }
    if hub_auth is not None:
        settings["hub_auth"] = hub_auth
    return web.Application(handlers, **settings)
