"""A learner's notebook as HTML for the tutor's page, with nbconvert's own
exporter. Learner outputs may carry HTML and JavaScript, so two defences:
nbconvert's sanitizing templates, with format/sanitize.py's allowlist
(nbconvert's own escapes headings and paragraphs) and only the output
mimetypes nbconvert renders inertly, strip active content, and the
page shows the result only inside an iframe whose sandbox forbids scripts
and gives it an opaque origin (templates/submission.html), so even markup
the sanitizer missed cannot act in the tutor's session."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import nbformat

from ..format.sanitize import clean_html, inert_outputs

_local = threading.local()
# Versions are immutable, so a rendering keyed by the bytes' hash stays right;
# a tutor's page is shown again after every form it posts.
_CACHE_SIZE = 32
_cache: OrderedDict[str, str | None] = OrderedDict()
_cache_lock = threading.Lock()


def _exporter():
    # Building an exporter loads its templates (slow); one per thread, since
    # exporters keep per-conversion state.
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab", sanitize_html=True, filters={"clean_html": clean_html})
        _local.exporter = exporter
    return exporter


def notebook_html(raw: bytes) -> str | None:
    """The notebook as a standalone sanitized HTML document, or None when it cannot be read."""
    key = hashlib.sha256(raw).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    html = _render(raw)
    with _cache_lock:
        _cache[key] = html
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return html


def _render(raw: bytes) -> str | None:
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception:  # a malformed upload is shown as unreadable, not as a 500
        return None
    inert_outputs(nb)
    body, _resources = _exporter().from_notebook_node(nb)
    return body
