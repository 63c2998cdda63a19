"""A rich progress display implementing the library's ``Progress`` protocol."""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class RichProgress:
    """One line per stage: a spinner while the size is unknown, a bar once ``total`` is given."""

    def __init__(self, console: Console):
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                  transient=False, disable=console.quiet)
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def stage(self, name: str) -> None:
        self._task = self._progress.add_task(name, total=None)

    def total(self, n: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=n, completed=0)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def done(self, name: str, summary: str) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            total = task.total if task.total is not None else 1
            self._progress.update(self._task, description=f"{name}: {summary}", total=total, completed=total)
        self._task = None
