"""Progress display for model preparation: a rich bar on stderr, or nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

Advance = Callable[[int], None]


class Reporter:
    """Shows one progress line per step when enabled; stdout stays clean for `models path`."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled

    def note(self, message: str) -> None:
        if self.enabled:
            from rich.console import Console

            Console(stderr=True, highlight=False).print(message, markup=False)

    @contextlib.contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Advance]:
        """Yield `advance(n)`; `total` in bytes draws a bar, None a spinner."""
        if not self.enabled:
            yield lambda n: None
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
        if total:
            columns.append(DownloadColumn())
        columns.append(TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)
            bar.update(task, total=total or 1, completed=total or 1)
