"""The help portal as the help image carries it: built at render time by
the same builder `campushub help build` and `up` use (campushub/help/build.py,
MkDocs), from the shipped guides and the organisation's pages of
help.pages_dir on the machine that renders, then copied into the image's
build context. The pod builds nothing: its root filesystem is read-only and
the hub image has no MkDocs.

The image's tag is a digest of what the site is built from rather than of
the built files: MkDocs writes the day of the build into sitemap.xml, so a
digest of the output would give a new tag, and a new image, at every render.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ....config.errors import ConfigError
from ....config.help import enabled, pages_dir

# What shapes the built HTML besides CampusHub itself (whose source, shipped
# pages and catalogs included, the hub image's tag already covers).
GENERATORS = ("mkdocs", "mkdocs-material", "mkdocs-static-i18n")


def digest(config: dict) -> str:
    """Of the help section, the organisation's pages and the generators' versions."""
    h = hashlib.sha256(json.dumps(config.get("help") or {}, sort_keys=True).encode())
    for name in GENERATORS:
        try:
            h.update(f"\0{name}=={version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"\0{name} missing".encode())
    for rel, data in _org_files(config):
        h.update(b"\0" + rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:12]


def _org_files(config: dict) -> list[tuple[str, bytes]]:
    """(path in pages_dir, content) of each file; a symbolic link by where it
    points (the build refuses one leading out of the folder, and nothing
    outside it is read here either)."""
    folder = pages_dir(config)
    if folder is None:
        return []
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder on this machine; the organisation's pages are built into the "
                          "help image when the release is rendered: give the folder, or null", key="help.pages_dir")
    out = []
    for root, dirs, files in os.walk(folder):  # followlinks=False: a linked folder is hashed as a link
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = Path(root, name)
            rel = path.relative_to(folder).as_posix()
            try:
                out.append((rel, b"link:" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()))
            except OSError as e:
                raise ConfigError(f"cannot read {path}: {e.strerror}", key="help.pages_dir") from None
    return out


def build(config: dict, work: Path) -> Path | None:
    """Build the portal under `work`; the site's folder, or None when help is off.
    Raises campushub.help.HelpBuildError (one line per problem, file:line)."""
    if not enabled(config):
        return None
    from ....help.build import build as build_portal  # MkDocs: only when a release is written

    return build_portal(config, work).resolve()


def copy(site: Path, target: Path) -> None:
    """The built site into the build context, readable by the image's user
    whatever the umask of whoever rendered it: folders 755, files 644."""
    shutil.copytree(site, target, symlinks=False)
    for root, _dirs, files in os.walk(target):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
