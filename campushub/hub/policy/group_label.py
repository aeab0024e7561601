"""The one name of the policy group a server runs under, for metrics and
labels: the hub-side collector's {group} series locally and the user pods'
`campushub-group` label on Kubernetes, so one dashboard panel groups both.

A user in several policy groups runs under their union; the name joins the
groups in their sorted order. It is shaped to be a valid Kubernetes label
value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends).
"""

from __future__ import annotations

import re

from .types import Policy

DEFAULT = "default"  # no policy group: policies.default alone
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def group_label(policy: Policy) -> str:
    name = _UNSAFE.sub("-", ".".join(policy.groups))[:63].strip("._-")
    return name or DEFAULT
