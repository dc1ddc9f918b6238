"""Progress bars for the long commands: on stderr, on a terminal only, gone when the work ends
(each command then prints its summary)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from semsearch.cli.common import err


class Bar:
    """What a command's work reports to: how much there is to do, and each step done."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def total(self, count: int) -> None:
        self._progress.update(self._task, total=count)

    def advance(self, count: int = 1) -> None:
        self._progress.advance(self._task, count)

    def duplicates(self, count: int | None) -> None:
        """``SearchService.duplicates``'s reports: the number of questions, then one per question."""
        if count is None:
            self.advance()
        else:
            self.total(count)


@contextmanager
def progress_bar(label: str, total: int | None = None, quiet: bool = False) -> Iterator[Bar]:
    """A bar named ``label``; none when ``quiet`` (``--json``) or when stderr is not a terminal."""
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )
    with progress:
        yield Bar(progress, progress.add_task(label, total=total))
