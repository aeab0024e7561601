"""A real Enterprise Gateway for these tests (tests/remote_gateway.py): alice
and bob with unix accounts, a small profile, and a project of alice's."""

from __future__ import annotations

import os
import subprocess

import pytest

from campushub.config.projects import DEFAULT_ROOT
from campushub.deploy.local.projects import groups

from ....remote_gateway import PROFILES, Gateway

PROJECT = f"t{os.getpid()}-rk"


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    profiles = {**PROFILES, "tiny": {"cpu": 0.5, "memory": "128M"}}
    with Gateway.start(tmp_path_factory.mktemp("gateway"), {"profiles": profiles}, people=("alice", "bob")) as gw:
        yield gw


@pytest.fixture
def project():
    """A CampusHub project group (as a member's server start makes it), deleted afterwards."""
    entry = groups.ensure_group(PROJECT, DEFAULT_ROOT)  # the gateway's site has the default projects.root
    yield PROJECT, entry.gr_gid
    subprocess.run(["groupdel", entry.gr_name], capture_output=True)
