"""A rich progress bar over runs × epochs, fed by the library's ``on_epoch`` hook.

The bar is drawn only on a terminal: redirected to a file or a pipe, stderr gets the errors and
logs and nothing else (a stopped bar would leave an empty line before every error).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from gcnlab.cli import interrupts
from gcnlab.cli.app import console


def progress_bar():  # noqa: ANN201 (rich is imported lazily)
    """gcnlab's progress bar: label, bar, done/total, elapsed; on stderr, gone when finished,
    disabled when stderr is not a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@contextlib.contextmanager
def epoch_progress(
    runs: int, epochs: int, describe: Callable[[Any], str]
) -> Iterator[Callable[[Any], None]]:
    """Yield an ``on_epoch`` callback that advances a bar of ``runs * epochs`` steps.

    Each stats object needs ``run`` (0-based) and ``epoch`` (1-based); a run that stops early
    jumps the bar to the start of the next run. ``describe(stats)`` gives the bar's label. The
    callback is also where a Ctrl-C takes effect once training has started
    (:func:`gcnlab.cli.interrupts.stop_point`): between epochs, where the loop keeps the finished
    runs.
    """
    with progress_bar() as bar:
        task = bar.add_task("training", total=runs * epochs)

        def on_epoch(stats: Any) -> None:
            bar.update(
                task, completed=stats.run * epochs + stats.epoch, description=describe(stats)
            )
            interrupts.stop_point()

        yield on_epoch
