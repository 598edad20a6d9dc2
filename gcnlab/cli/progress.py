"""A rich progress bar over runs × epochs, fed by the library's ``on_epoch`` hook."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from gcnlab.cli.app import console


def progress_bar():  # noqa: ANN201 (rich is imported lazily)
    """gcnlab's progress bar: label, bar, done/total, elapsed; on stderr, gone when finished."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    )


@contextlib.contextmanager
def epoch_progress(
    runs: int, epochs: int, describe: Callable[[Any], str]
) -> Iterator[Callable[[Any], None]]:
    """Yield an ``on_epoch`` callback that advances a bar of ``runs * epochs`` steps.

    Each stats object needs ``run`` (0-based) and ``epoch`` (1-based); a run that stops early
    jumps the bar to the start of the next run. ``describe(stats)`` gives the bar's label.
    """
    with progress_bar() as bar:
        task = bar.add_task("training", total=runs * epochs)

        def on_epoch(stats: Any) -> None:
            bar.update(
                task, completed=stats.run * epochs + stats.epoch, description=describe(stats)
            )

        yield on_epoch
