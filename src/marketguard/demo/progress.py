"""Rich progress bars driven by the ``(stage, done, total)`` callbacks of long steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def progress_bars(console: Console) -> Iterator[ProgressCallback]:
    """Yield a callback that shows one bar per stage name."""
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("  {task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def update(stage: str, done: int, total: int) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = progress.add_task(stage, total=total)
            progress.update(task, completed=done, total=total)

        yield update
