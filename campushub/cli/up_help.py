"""`campushub up`'s part of the help portal: build it (only when its sources,
the organisation's pages, the help settings or CampusHub changed) before
anything starts or changes, so that a broken page stops `up` with one line
per problem and the site, running or not, as it was. Also run by the second
`up` of a reload, whose running `up` then finds the build current."""

from __future__ import annotations

from rich.console import Console

from ..config.help import enabled
from ..deploy.local.layout import DataDirError, Layout
from ..help import HelpBuildError
from .main import CommandError
from .steps import Steps


def prepare(config: dict, layout: Layout, console: Console) -> None:
    if not enabled(config):
        return
    from ..help import build  # MkDocs: imported only where a portal is built

    try:
        layout.ensure()  # a data dir of another account is refused before anything is written into it
    except DataDirError as e:
        raise CommandError(str(e)) from None

    with Steps(console, total=1) as steps:
        steps.step("Building the help portal")
        try:
            build.ensure(config, layout.help_dir, progress=steps.say)
        except HelpBuildError as e:
            raise CommandError("the help portal cannot be built; fix these and run it again:\n"
                               + "\n".join(e.lines)) from None
        steps.advance()
    for line in build.warnings(layout.help_dir):  # the current build's (a missing translation)
        console.print(line, style="yellow", markup=False, highlight=False)
