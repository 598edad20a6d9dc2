"""``gcnlab digits``: the message-passing CNN on scikit-learn's 8×8 digits.

Its own command, not ``gcnlab train digits``: images need other options (channels, batch size,
the layer) and other defaults (:class:`~gcnlab.tasks.digits.DigitsConfig`'s) than the GCN's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command
from gcnlab.cli.options import Json, Save
from gcnlab.cli.outputs import Files, mean_spread, report, runs_phrase
from gcnlab.cli.progress import epoch_progress
from gcnlab.tasks.digits_config import DigitsConfig


@command("digits", config=DigitsConfig)
def digits_command(
    config: DigitsConfig,
    *,
    json_path: Json = None,
    save: Save = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: the first run's first-layer "
            "filters and their feature maps on a test digit."
        ),
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train a small CNN built from GridConv and GridPool (message passing on the pixel grid)
    on scikit-learn's digits and report test accuracy."""
    from gcnlab.tasks.digits import train_digits

    config.validate()
    Files(outputs={"--json": json_path, "--save": save}, plots=plots).check()
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{config.runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    with epoch_progress(config.runs, config.epochs, describe) as on_epoch:
        result = train_digits(config, on_epoch=on_epoch)

    report(
        result,
        f"digits ({config.layer}): test accuracy "
        f"{mean_spread(result.test_acc_mean, result.test_acc_std, result.runs)} % over "
        f"{runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
    )
