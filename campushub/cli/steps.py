"""Progress of a long command: a live bar on a terminal, plain lines elsewhere.

Under systemd or with output to a file a live bar is drawn only once, at the
end; one line per step lets the journal (and anyone tailing it) see where a
start is.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Steps:
    def __init__(self, console: Console, total: int):
        self.console, self.total, self.done = console, total, 0
        self._progress = None
        self._task = None

    def __enter__(self) -> Steps:
        if self.console.is_terminal:
            columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
            self._progress = Progress(*columns, console=self.console, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def step(self, title: str) -> None:
        """A new step begins."""
        if self._progress is not None:
            self._progress.update(self._task, description=title)
        else:
            self.console.print(escape(f"[{self.done + 1}/{self.total}] {title}"), highlight=False)

    def say(self, message: str) -> None:
        """Detail within the current step."""
        if self._progress is not None:
            self._progress.update(self._task, description=message)
        else:
            self.console.print(f"      {escape(message)}", highlight=False)

    def advance(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress.advance(self._task)
