"""A hub user whose unix account name comes out as root.

The account is spawner.user_prefix + the hub name, and the prefix only has to
be lowercase letters, digits or dashes: with a prefix such as "r", a person
who signs up (or is imported) as "oot" maps onto root. ensure_user left an
existing account without our mark "as it is", so that person's server (and a
retention restore of "their" home) ran as root. Refused now; the operator
is told to rename the hub user or change the prefix."""

from __future__ import annotations

import os

import pytest

from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name


def test_a_hub_user_whose_account_would_be_root_is_refused():
    assert unix_name("oot", "r") == "root"
    mode = os.stat("/root").st_mode
    with pytest.raises(RuntimeError, match="root") as e:
        ensure_user(unix_name("oot", "r"), "/home", owner="oot")
    assert "user_prefix" in str(e.value)
    assert os.stat("/root").st_mode == mode  # nothing changed on the way
