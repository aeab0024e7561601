"""Partitioned cookies (CHIPS) for a hub embedded in another site's iframe.

Browsers that block third-party cookies (Chromium's private windows, Safari,
Firefox's strict mode) still keep a cookie marked `Partitioned`, stored apart
for each top-level site. Without it a learner embedded in a course site on
another domain logs in, and the very next request inside the iframe arrives
without the login cookie. Python's cookie module learns the attribute only
in 3.14; until then we teach it the same way, so tornado's set_cookie(...,
partitioned=True) writes it.
"""

from __future__ import annotations

from http.cookies import Morsel


def allow_partitioned() -> None:
    if "partitioned" not in Morsel._reserved:
        Morsel._reserved["partitioned"] = "Partitioned"
        Morsel._flags.add("partitioned")
