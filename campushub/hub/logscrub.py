"""Keep secrets in query strings out of the hub's log.

JupyterHub scrubs `token=`, `code=`, `state=`... from its access log, but
tornado's own warning for a refused request ("400 GET /hub/oauth_callback?
code=...&state=... (ip): OAuth state mismatch") prints the address as is.
This filter applies JupyterHub's own scrubbing to those lines too.
"""

from __future__ import annotations

import logging
import re

from jupyterhub.log import _scrub_uri

_URI = re.compile(r"/\S*\?\S+")


class ScrubQueryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            scrubbed = _URI.sub(lambda m: _scrub_uri(m.group(0)), message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, ()
        return True


def install() -> None:
    logger = logging.getLogger("tornado.general")
    if not any(isinstance(f, ScrubQueryFilter) for f in logger.filters):
        logger.addFilter(ScrubQueryFilter())
