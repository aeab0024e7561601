"""Build the help portal: check the sources (file:line errors), compose the
shipped and the organisation's pages, run MkDocs strict, publish the site
(swap.py). `ensure` builds only when the sources changed."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from .. import __version__
from ..config import help as help_config
from . import HelpBuildError, checks, memo, messages, mkdocs_run, navfile, outdir, swap
from .compose import compose
from .readonce import esc
from .site_config import ORG_PREFIX, mkdocs_config
from .sources import scan

PAGES = Path(__file__).with_name("pages")
Progress = Callable[[str], None] | None


def trees(config: dict) -> list[checks.Tree]:
    """The shipped pages and, when help.pages_dir is set, the organisation's."""
    found, errors = scan(PAGES)
    out = [checks.Tree(PAGES, "", found, navfile.read_shipped(navfile.SHIPPED), navfile.SHIPPED, errors)]
    folder = help_config.pages_dir(config)
    if folder is not None:
        if not folder.is_dir():
            raise HelpBuildError([f"{esc(folder)}: no such folder (help.pages_dir); create it with the pages and "
                                  f"{navfile.ORG_NAV}, or set help.pages_dir to null"])
        nav_file = folder / navfile.ORG_NAV
        found, errors = scan(folder, skip=(navfile.ORG_NAV,))
        out.append(checks.Tree(folder, ORG_PREFIX, found, navfile.read_org(nav_file), nav_file, errors))
    return out


def digest(config: dict, found: list[checks.Tree] | None = None) -> str:
    """What the site depends on: CampusHub's and MkDocs' versions, the help config, every source file."""
    h = hashlib.sha256()
    versions = [__version__] + [version(p) for p in ("mkdocs", "mkdocs-material", "mkdocs-static-i18n")]
    # the settings the pages depend on (not enabled or port: a new port needs no new site, nor a new image)
    section = {key: (config.get("help") or {}).get(key) for key in ("pages_dir", "title")}
    h.update(json.dumps([versions, section], sort_keys=True).encode())
    for tree in found if found is not None else trees(config):
        # the navigation as read (not the file again: it may have been swapped since), then each file's bytes
        h.update(json.dumps([tree.prefix, [[e.page, e.line, e.section] for e in tree.nav]]).encode())
        for source in tree.sources:
            h.update(f"\0{tree.prefix}{source.rel}\0{len(source.data)}\0".encode())
            h.update(source.data)
        h.update("\0".join(tree.errors).encode())
    return h.hexdigest()[:32]


def build(config: dict, out: Path, progress: Progress = None) -> Path:
    """Check, build and publish the portal into `out`; returns out/site. HelpBuildError: nothing changed."""
    say = progress or (lambda _message: None)
    say("Checking the help pages")
    found = trees(config)
    errors, warned = checks.check(found)
    if errors:
        raise HelpBuildError(errors)
    key = digest(config, found)
    out = outdir.place(out)
    with swap.locked(out):
        swap.tidy(out)
        built = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=out / swap.BUILDS))
        try:
            say("Building the help portal (MkDocs)")
            lines = memo.copy(key, built)
            if lines is None:
                lines = _mkdocs(config, found, out, built)
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise
        site = swap.publish(out, built, key, warned + lines)
        memo.made(key, out / swap.BUILDS / key, lines)
        return site


def _mkdocs(config: dict, found: list[checks.Tree], out: Path, built: Path) -> list[str]:
    """Compose the docs and run MkDocs into `built`; its warnings (none: strict fails on them)."""
    work = Path(tempfile.mkdtemp(prefix=swap.WORK, dir=out))
    try:
        try:
            origin = compose(found, work / "docs")
        except OSError as e:
            raise HelpBuildError([f"{esc(e.filename)}: {e.strerror}; make {esc(out)} writable"]) from None
        shipped = found[0].nav
        org = found[1].nav if len(found) > 1 else None
        yml = work / "mkdocs.yml"
        yml.write_text(json.dumps(mkdocs_config(config, work / "docs", built, shipped, org)), encoding="utf-8")
        ok, records = mkdocs_run.run(yml)
        texts = {t.site(s.rel): s.data.decode("utf-8", "replace") for t in found for s in t.sources if s.kind == "page"}
        lines = messages.lines(records, origin, texts)  # the line of a link from what was read, not a new read
        if not ok:
            raise HelpBuildError(lines or ["MkDocs failed without saying why"])
        return lines
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure(config: dict, out: Path, progress: Progress = None) -> Path:
    """out/site, built first when the sources or the help config changed since the last build."""
    if swap.current(outdir.place(out)) == digest(config):
        return out / swap.SITE
    return build(config, out, progress)


def warnings(out: Path) -> list[str]:
    """The warnings of the build `out/site` shows, one a line (a page without a translation...)."""
    return swap.warnings(out)
