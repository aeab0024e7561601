"""System commands the platform runs, each with the Debian package that brings it.

A missing command is something the admin fixes with one apt-get line, so it
is reported as exactly that (an InstallError the CLI prints on one line), not
as the FileNotFoundError of the first subprocess that tries to run it.
"""

from __future__ import annotations

import os
import shutil

from .errors import InstallError

# a hub or check started from a service manager may have a PATH without sbin
_FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class MissingTool(InstallError):
    """A system command is not installed; the message names its Debian package."""


def require(tool: str, package: str, purpose: str = "") -> str:
    """The absolute path of `tool`, or MissingTool saying which package to install."""
    path = shutil.which(tool) or shutil.which(tool, path=_FALLBACK_PATH)
    if path and os.access(path, os.X_OK):
        return path
    why = f" ({purpose})" if purpose else ""
    raise MissingTool(f"{tool} is not installed{why}: install the Debian package {package} "
                      f"(apt-get install {package}), or run scripts/bootstrap.sh again")
