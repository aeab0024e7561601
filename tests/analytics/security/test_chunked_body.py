"""Attack: the 1 MiB cap of a records batch was checked on the Content-Length
header only; a body sent with Transfer-Encoding: chunked has none, so up to
the HTTP server's own limit (twice the cap) got through to the JSON parser
and the store. A chunked body over the cap is refused like any other."""

from __future__ import annotations

import json

from ..web.service import execution


def test_a_chunked_body_over_the_cap_is_refused(analytics):
    body = json.dumps({"records": [execution(course=None, notebook=None, path="p" * 1000) for _ in range(1000)]})
    assert 2**20 < len(body) < 2 * 2**20

    def chunks():
        data = body.encode()
        for start in range(0, len(data), 65536):
            yield data[start:start + 65536]

    r = analytics.session(None).post(analytics.url + "api/records", data=chunks(), timeout=60,
                                     headers={"Authorization": "token token-of-ann",
                                              "Content-Type": "application/json"})
    assert r.status_code == 413 and "1 MiB" in r.json()["message"], r.text[:300]
    assert analytics.store.learner_activity("ann", None)["notebooks"] == []
