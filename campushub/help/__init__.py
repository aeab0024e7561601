"""The help portal: CampusHub's guides (pages/, navigation nav.yaml) and the
organisation's own pages (help.pages_dir), checked and built into a static
site with MkDocs, Material for MkDocs and mkdocs-static-i18n (build.py),
served to logged-in people by a hub service."""

from __future__ import annotations


class HelpBuildError(RuntimeError):
    """The sources are wrong: one line per problem, each naming file and line and what to do."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = list(lines)
