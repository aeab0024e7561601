"""`campushub help build`: check and build the help portal (the shipped
guides and help.pages_dir's pages) into the data dir, where `up` builds it
too; the running help service serves the new build at once. Errors name
file and line; with any, nothing changes."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..deploy.local.layout import DataDirError, Layout
from . import site_args
from .main import CommandError
from .steps import Steps


def register(sub) -> None:
    p = sub.add_parser("help", help="build the help portal (guides and the organisation's pages)")
    actions = p.add_subparsers(dest="help_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build", help="check and build the help portal",
        description="Check the shipped guides and help.pages_dir's pages (links, images, nav.yml) and build the "
                    "portal with MkDocs, strict. Errors are printed one a line with file and line; exit status 1 "
                    "and nothing changed. Warnings (a page without a translation) do not stop the build.")
    site_args.add(build)
    build.add_argument("--out", metavar="DIR", help="where to build (default: DATA_DIR/help, which `campushub up` "
                                                    "serves)")
    build.set_defaults(func=_build)


def _build(args) -> int:
    from ..help import HelpBuildError, outdir
    from ..help import build as portal
    from ..help.readonce import esc

    config = site_args.load(args)
    if args.out:
        out = Path(args.out).absolute()  # not resolved: a link given as --out is refused, not followed
        try:  # another account's folder, or one inside theirs: they could plant links root would follow
            if os.path.lexists(out):
                outdir.trusted(outdir.place(out))
            elif out.parent.is_dir():
                outdir.parents_trusted(outdir.place(out))
        except HelpBuildError as e:
            raise CommandError(e.lines[0]) from None
    else:
        layout = Layout(Path(config["data_dir"]))
        try:
            layout.ensure()  # as `up` does: another account's data dir is refused before anything is written
        except DataDirError as e:
            raise CommandError(str(e)) from None
        out = layout.help_dir
    console, errors = Console(), Console(stderr=True)
    try:
        with Steps(console, total=2) as steps:  # build() reports its two steps: checking, then MkDocs
            begun: list[str] = []

            def progress(message: str) -> None:
                if begun:
                    steps.advance()
                begun.append(message)
                steps.step(message)
            site = portal.build(config, out, progress=progress)
            steps.advance()
    except HelpBuildError as e:
        for line in e.lines:
            errors.print(escape(esc(line)), highlight=False, soft_wrap=True)
        errors.print(escape(f"campushub: the help portal was not built ({len(e.lines)} error(s)); {esc(out)} is "
                            "unchanged."),
                     highlight=False, soft_wrap=True)
        return 1
    for line in portal.warnings(out):
        errors.print(escape(f"warning: {esc(line)}"), style="yellow", highlight=False, soft_wrap=True)
    console.print(escape(f"Help portal built: {esc(site)} -> {esc(site.resolve())}"), highlight=False, soft_wrap=True)
    return 0
