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
from gcnlab.cli.options import (
    DIGITS,
    Channels,
    DeviceOption,
    Dropout,
    Epochs,
    Json,
    Layer,
    Lr,
    Runs,
    Save,
    Seed,
    WeightDecay,
)
from gcnlab.cli.outputs import check_outputs, report, runs_phrase
from gcnlab.cli.progress import epoch_progress
from gcnlab.train.bounds import MAX_BATCH_SIZE, MAX_SEED


@command("digits")
def digits_command(
    layer: Annotated[
        Layer,
        typer.Option(
            help="gridconv: convolution as message passing on the pixel grid; "
            "conv2d: torch's layers (the reference).",
            case_sensitive=False,
        ),
    ] = DIGITS.layer,
    epochs: Epochs = DIGITS.epochs,
    channels: Channels = DIGITS.channels,
    batch_size: Annotated[
        int, typer.Option(help="Images per gradient step.", min=1, max=MAX_BATCH_SIZE)
    ] = DIGITS.batch_size,
    lr: Lr = DIGITS.lr,
    dropout: Dropout = DIGITS.dropout,
    weight_decay: WeightDecay = DIGITS.weight_decay,
    patience: Annotated[
        int,
        typer.Option(
            help="Stop after this many epochs without a better validation score (0: off).", min=0
        ),
    ] = DIGITS.patience,
    runs: Runs = DIGITS.runs,
    seed: Seed = DIGITS.seed,
    split_seed: Annotated[
        int,
        typer.Option(
            help="Seed of the test and validation split, the same for every run.",
            min=0,
            max=MAX_SEED,
        ),
    ] = DIGITS.split_seed,
    device: DeviceOption = DIGITS.device,
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
    from gcnlab.tasks.digits import DigitsConfig, train_digits

    config = DigitsConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        dropout=dropout,
        channels=channels,
        layer=layer.value,
        patience=patience,
        runs=runs,
        seed=seed,
        split_seed=split_seed,
        device=device.value,
    )
    config.validate()
    check_outputs(json_path, save, plots)
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    with epoch_progress(runs, epochs, describe) as on_epoch:
        result = train_digits(config, on_epoch=on_epoch)

    report(
        result,
        f"digits ({config.layer}): test accuracy {100 * result.test_acc_mean:.1f} ± "
        f"{100 * result.test_acc_std:.1f} % over {runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
    )
