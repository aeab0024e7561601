"""The shared check for system commands: a missing one is a one-line message naming its Debian package."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from campushub.deploy.local.errors import InstallError
from campushub.deploy.local.tools import MissingTool, require

REPO = Path(__file__).resolve().parents[3]


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


def test_content_check_of_a_git_url_without_git_is_one_line_naming_the_package(tmp_path):
    # git hidden in a private mount namespace: /dev/null over it is not executable
    git = shutil.which("git")
    script = (f"mount --bind /dev/null {shlex.quote(git)} && exec {shlex.quote(sys.executable)} -m campushub "
              f"content check https://example.invalid/course.git --python /usr/bin/python3 --out {tmp_path}/out")
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert "git is not installed" in out.stderr and "apt-get install git" in out.stderr, out.stderr
    assert not (tmp_path / "out").exists()
