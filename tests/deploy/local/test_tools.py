"""The shared check for system commands: a missing one is a one-line message naming its Debian package."""

from __future__ import annotations

import os

import pytest

from campushub.deploy.local.errors import InstallError
from campushub.deploy.local.tools import MissingTool, require


def test_a_present_tool_gives_its_absolute_path():
    path = require("sh", package="dash")
    assert os.path.isabs(path) and os.access(path, os.X_OK)


def test_a_missing_tool_names_the_package_on_one_line():
    with pytest.raises(MissingTool) as failure:
        require("campushub-no-such-tool", package="campushub-tools", purpose="to test this")
    message = str(failure.value)
    assert isinstance(failure.value, InstallError)  # what the CLI already prints without a traceback
    assert "\n" not in message
    assert "campushub-no-such-tool is not installed (to test this)" in message
    assert "apt-get install campushub-tools" in message


def test_sbin_tools_are_found_with_a_path_lacking_sbin(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # as under some service managers
    assert require("useradd", package="passwd").endswith("/useradd")
