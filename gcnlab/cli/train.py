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
    batch: Annotated[
        str,
        typer.Option(help="full (one step on the whole graph) or clusters (Cluster-GCN "
                     "mini-batches; needed under torchrun with several processes)."),
    ] = "full",
    parts: Annotated[int, typer.Option(help="clusters: METIS parts of the graph.")] = 16,
    clusters_per_batch: Annotated[
        int, typer.Option(help="clusters: parts per mini-batch.")
    ] = 4,
    reorder: Annotated[
        str, typer.Option(help="Node order for locality: none, rcm, metis or degree "
                          "(outputs stay in the dataset's order).")
    ] = "none",
) -> None:
    """Train the two-layer GCN of Kipf & Welling (2017) and report test accuracy."""
    # the options both tasks take; digits refuses the ones it has no use for
    options = dict(epochs=epochs, hidden=hidden, lr=lr, dropout=dropout,
                   weight_decay=weight_decay, patience=patience, runs=runs, seed=seed,
                   device=device, bias=bias, select=select)
    if dataset.strip().lower() == "digits":  # images, not a graph: a CNN of GridConv layers
        from gcnlab.cli.digits import run_digits

        return run_digits(json_path=json_path, plots=plots, save=save, root=root, layer=layer,
                          **options)
    if layer != "gridconv":
        from gcnlab.errors import UsageError

        raise UsageError("--layer applies only to digits")
    from gcnlab.cli.distributed import distributed_run
    from gcnlab.tasks.node import NodeConfig, train_node

    config = NodeConfig(dataset=dataset, root=None if root is None else str(root), batch=batch,
                        parts=parts, clusters_per_batch=clusters_per_batch, reorder=reorder,
                        **options)
    config.validate()

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    with distributed_run(config) as main_process:
        if not main_process:  # torchrun's other processes train in step and write nothing
            train_node(config)
            return
        check_outputs(json_path, save, plots)
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
