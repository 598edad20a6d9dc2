"""``gcnlab train DATASET``: semi-supervised node classification with the paper's GCN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli.app import app, handle_errors
from gcnlab.cli.outputs import check_outputs, report, runs_phrase
from gcnlab.cli.progress import epoch_progress


@app.command("train")
@handle_errors
def train_command(
    dataset: Annotated[
        str, typer.Argument(help="cora, citeseer, pubmed, karate, or digits (GridConv CNN).")
    ] = "cora",
    epochs: Annotated[int, typer.Option(help="Maximum epochs per run.")] = 200,
    hidden: Annotated[int, typer.Option(help="Hidden units.")] = 16,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 0.01,
    dropout: Annotated[float, typer.Option(help="Dropout probability, in [0, 1).")] = 0.5,
    weight_decay: Annotated[float, typer.Option(help="L2 on the first layer.")] = 5e-4,
    patience: Annotated[
        int, typer.Option(help="Early-stopping window on validation loss (0: off).")
    ] = 10,
    runs: Annotated[int, typer.Option(help="Number of seeded runs.")] = 10,
    seed: Annotated[int, typer.Option(help="First seed; run i uses seed + i.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    root: Annotated[
        Path | None, typer.Option(help="Data root (default: $GCNLAB_DATA or ./datasets).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON here.")
    ] = None,
    bias: Annotated[
        bool, typer.Option(help="Add a bias to each layer (the paper has none).")
    ] = False,
    select: Annotated[
        str, typer.Option(help="Reported epoch: val_acc, val_loss or last.")
    ] = "val_acc",
    layer: Annotated[
        str,
        typer.Option(help="digits only: gridconv (message passing) or conv2d (torch's layers)."),
    ] = "gridconv",
    propagation: Annotated[
        str,
        typer.Option(
            help="graphs only: the propagation model (GCN paper, Table 3): chebyshev-3, "
            "chebyshev-2, first-order, single-parameter, renormalization (the GCN), "
            "first-order-term or mlp."
        ),
    ] = "renormalization",
    layers: Annotated[int, typer.Option(help="graphs only: number of layers (paper: 2).")] = 2,
    residual: Annotated[
        bool, typer.Option(help="graphs only: residual connections between hidden layers.")
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option(
            help="Save a checkpoint here (weights at each run's chosen epoch, config, "
            "dataset fingerprint); check it with 'gcnlab evaluate'."
        ),
    ] = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: training curves and a t-SNE "
            "of the hidden layer (digits: the first layer's filters and maps)."
        ),
    ] = None,
) -> None:
    """Train the two-layer GCN of Kipf & Welling (2017) and report test accuracy (or another
    propagation model of its Table 3, or another depth, with --propagation and --layers)."""
    # the options both tasks take; digits refuses the ones it has no use for
    options = dict(epochs=epochs, hidden=hidden, lr=lr, dropout=dropout,
                   weight_decay=weight_decay, patience=patience, runs=runs, seed=seed,
                   device=device, bias=bias, select=select)
    if dataset.strip().lower() == "digits":  # images, not a graph: a CNN of GridConv layers
        from gcnlab.cli.digits import run_digits

        if (propagation, layers, residual) != ("renormalization", 2, False):
            from gcnlab.errors import UsageError

            raise UsageError("--propagation, --layers and --residual apply to graphs only")

        return run_digits(json_path=json_path, plots=plots, save=save, root=root, layer=layer,
                          **options)
    if layer != "gridconv":
        from gcnlab.errors import UsageError

        raise UsageError("--layer applies only to digits")
    from gcnlab.tasks.node import NodeConfig, train_node

    config = NodeConfig(dataset=dataset, root=None if root is None else str(root),
                        propagation=propagation.strip().lower(), layers=layers,
                        residual=residual, **options)
    config.validate()
    check_outputs(json_path, save, plots)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    with epoch_progress(runs, epochs, describe) as on_epoch:
        result = train_node(config, on_epoch=on_epoch)

    report(
        result,
        f"{result.dataset}: test accuracy {100 * result.test_acc_mean:.1f} ± "
        f"{100 * result.test_acc_std:.1f} % over {runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
    )
