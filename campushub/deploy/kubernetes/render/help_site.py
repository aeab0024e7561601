"""The help portal as the help image carries it: built at render time by
the same builder `campushub help build` and `up` use (campushub/help/build.py,
MkDocs), from the shipped guides and the organisation's pages of
help.pages_dir on the machine that renders, then copied into the image's
build context. The pod builds nothing (its root filesystem is read-only):
it serves what the image holds.

The image's tag is a digest of what the site is built from rather than of
the built files: MkDocs writes the day of the build into sitemap.xml, so a
digest of the output would give a new tag, and a new image, at every render.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ....config.errors import ConfigError
from ....config.help import enabled, pages_dir


def _portal():
    # imported when a release is rendered, not with the Kubernetes deployment: the hub's pod imports this
    # package's images module for the user images' names, and needs neither the builder nor Markdown
    from ....help import build  # MkDocs itself runs in a child process of its build()

    return build


def digest(config: dict) -> str:
    """campushub.help.build's digest of what the portal is built from (versions, the help section, every
    page, the organisation's included), which `up` rebuilds by: the same sources, the same tag."""
    folder = pages_dir(config)
    if folder is not None and not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder on this machine; the organisation's pages are built into the "
                          "help image when the release is rendered: give the folder, or null", key="help.pages_dir")
    try:
        return _portal().digest(config)
    except OSError as e:
        raise ConfigError(f"cannot read {e.filename}: {e.strerror}", key="help.pages_dir") from None


def build(config: dict, work: Path) -> Path | None:
    """Build the portal under `work`; the site's folder, or None when help is off.
    Raises campushub.help.HelpBuildError (one line per problem, file:line)."""
    if not enabled(config):
        return None
    return _portal().build(config, work).resolve()


def copy(site: Path, target: Path) -> None:
    """The built site into the build context, readable by the image's user
    whatever the umask of whoever rendered it: folders 755, files 644."""
    shutil.copytree(site, target, symlinks=False)
    for root, _dirs, files in os.walk(target):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
