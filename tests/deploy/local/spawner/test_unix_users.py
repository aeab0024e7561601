"""Hub names -> unix account names."""

import os
import re

import pytest

from campushub.deploy.local.spawner.unix_users import MAX_LEN, ensure_user, owner_mark, remove_user, unix_name
from tests.harness import TEST_PREFIX

VALID = re.compile(r"[a-z][a-z0-9_-]*")


@pytest.mark.parametrize("hub_name", ["alice", "bob-2", "s_01"])
def test_plain_names_are_kept(hub_name):
    assert unix_name(hub_name) == f"jupyter-{hub_name}"


@pytest.mark.parametrize(
    "hub_name",
    ["Alice", "alice@example.com", "山田太郎", "x" * 100, "a b", "../etc", "-rf", "root", ""],
)
def test_odd_or_long_names_become_valid_hashed_accounts(hub_name):
    name = unix_name(hub_name)
    assert VALID.fullmatch(name) and len(name) <= MAX_LEN
    assert name.startswith("jupyter-")
    if hub_name not in ("root",):
        assert re.search(r"-[0-9a-f]{8}$", name)


def test_different_hub_names_never_share_an_account():
    names = ["Alice", "alice!", "ALICE", "alice@example.com", "alice.example.com", "x" * 60, "x" * 61]
    accounts = {unix_name(n) for n in names}
    assert len(accounts) == len(names)
    assert unix_name("alice") not in accounts


def test_prefix_counts_toward_the_length_limit():
    assert len(unix_name("y" * 40, "campus-learner-")) <= MAX_LEN


@pytest.mark.skipif(os.geteuid() != 0, reason="creates a real unix account (useradd)")
def test_an_account_is_refused_to_another_hub_user_with_the_same_account_name(tmp_path):
    # The 8-hex-digit suffix is 32 bits: a person choosing their own hub name
    # can find one that maps to someone else's account in minutes. Simulated
    # here by asking for the same account under two hub names.
    name = TEST_PREFIX + "own"
    try:
        first = ensure_user(name, str(tmp_path), owner="hanako.sato")
        assert first.pw_gecos == owner_mark("hanako.sato")
        with pytest.raises(RuntimeError, match="belongs to another hub user"):
            ensure_user(name, str(tmp_path), owner="hanako\u00a1sato")
        assert ensure_user(name, str(tmp_path), owner="hanako.sato").pw_uid == first.pw_uid
    finally:
        remove_user(name)
    assert not any(line.startswith(name + ":") for line in open("/etc/passwd"))
