"""Keep secrets in query strings out of the hub's log.

JupyterHub scrubs `token=`, `code=`, `state=`... from its access log, but
tornado's own warning for a refused request ("400 GET /hub/oauth_callback?
code=...&state=... (ip): OAuth state mismatch") prints the address as is,
and a site-token SSO may carry its token under another name (`?sso=...`),
which JupyterHub's list does not know. This filter applies JupyterHub's own
scrubbing, plus the names the site configuration adds, to every line of the
hub's loggers (the access log included).
"""

from __future__ import annotations

import logging
import re

from jupyterhub.log import _scrub_uri

_URI = re.compile(r"/\S*\?\S+")
# tornado.access carries JupyterHub's access log; the others its warnings.
LOGGERS = ("tornado.general", "tornado.access", "tornado.application", "JupyterHub")


class ScrubQueryFilter(logging.Filter):
    def __init__(self, params=()):
        super().__init__()
        self.set_params(params)

    def set_params(self, params) -> None:
        names = "|".join(re.escape(p) for p in sorted(set(params)) if p)
        self._extra = re.compile(rf"([?&](?:{names})=)[^&\s#\"']*") if names else None

    def _scrub(self, uri: str) -> str:
        uri = _scrub_uri(uri)
        return self._extra.sub(r"\1[secret]", uri) if self._extra else uri

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            scrubbed = _URI.sub(lambda m: self._scrub(m.group(0)), message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, ()
        return True


def install(secret_params=()) -> None:
    """secret_params: query parameter names that carry secrets besides JupyterHub's."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        mine = [f for f in logger.filters if isinstance(f, ScrubQueryFilter)]
        if mine:
            mine[0].set_params(secret_params)
        else:
            logger.addFilter(ScrubQueryFilter(secret_params))
