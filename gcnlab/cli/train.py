"""``gcnlab train DATASET``: semi-supervised node classification with the paper's GCN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command
from gcnlab.cli.options import (
    NODE,
    Batch,
    DeviceOption,
    Dropout,
    Epochs,
    Hidden,
    Json,
    Lr,
    PropagationModel,
    Reorder,
    Root,
    Runs,
    Save,
    Seed,
    Select,
)
from gcnlab.cli.outputs import report, runs_phrase
from gcnlab.train.bounds import MAX_LAYERS, MAX_PARTS, MAX_WEIGHT_DECAY


@command("train")
def train_command(
    dataset: Annotated[
        str,
        typer.Argument(
            help="cora, citeseer, pubmed, karate, a graph file (.npz, .csv/.tsv/.txt edge list, "
            ".graphml, .gml, .edgelist, .adjlist) or a spec (pyg:Amazon/Computers, "
            "ogb:ogbn-arxiv); see docs/data.md. (digits: 'gcnlab digits')"
        ),
    ] = NODE.dataset,
    epochs: Epochs = NODE.epochs,
    hidden: Hidden = NODE.hidden,
    lr: Lr = NODE.lr,
    dropout: Dropout = NODE.dropout,
    weight_decay: Annotated[
        float,
        typer.Option(help="L2 on the first layer's weights.", min=0.0, max=MAX_WEIGHT_DECAY),
    ] = NODE.weight_decay,
    patience: Annotated[
        int,
        typer.Option(
            help="Early stopping: stop when the validation loss is above the mean "
            "of this many epochs before it (0: off).",
            min=0,
        ),
    ] = NODE.patience,
    runs: Runs = NODE.runs,
    seed: Seed = NODE.seed,
    device: DeviceOption = NODE.device,
    root: Root = None,
    json_path: Json = None,
    bias: Annotated[
        bool, typer.Option("--bias", help="Add a bias to each layer (the paper has none).")
    ] = NODE.bias,
    select: Annotated[
        Select,
        typer.Option(
            help="The epoch whose test accuracy is reported: best validation "
            "accuracy, lowest validation loss, or the last."
        ),
    ] = NODE.select,
    save: Save = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: training curves (mean and spread "
            "over runs) and a t-SNE of the hidden layer."
        ),
    ] = None,
    batch: Annotated[
        Batch,
        typer.Option(
            help="full (one step on the whole graph) or clusters (Cluster-GCN "
            "mini-batches; needed under torchrun with several processes)."
        ),
    ] = NODE.batch,
    parts: Annotated[
        int, typer.Option(help="clusters: METIS parts of the graph.", min=1, max=MAX_PARTS)
    ] = NODE.parts,
    clusters_per_batch: Annotated[
        int, typer.Option(help="clusters: parts per mini-batch.", min=1, max=MAX_PARTS)
    ] = NODE.clusters_per_batch,
    partition_file: Annotated[
        Path | None,
        typer.Option(
            help="clusters: keep the METIS parts in this .npz file: read when it exists (and "
            "was made for this graph, --parts and seed), else computed and written.",
            dir_okay=False,
        ),
    ] = None,
    reorder: Annotated[
        Reorder,
        typer.Option(
            help="Node order for locality (outputs stay in the dataset's "
            "order); rcm and metis help random and power-law graphs."
        ),
    ] = NODE.reorder,
    split: g.Split = "auto",
    propagation: Annotated[
        PropagationModel,
        typer.Option(
            help="The propagation model (GCN paper, Table 3); renormalization is the GCN.",
        ),
    ] = NODE.propagation,
    layers: Annotated[
        int,
        typer.Option(
            help="Number of layers (the paper: 2; Appendix B: 1 to 10).", min=1, max=MAX_LAYERS
        ),
    ] = NODE.layers,
    residual: Annotated[
        bool,
        typer.Option("--residual", help="Residual connections between hidden layers."),
    ] = NODE.residual,
    directed: g.Directed = False,
    features_file: g.FeaturesFile = None,
    labels_file: g.LabelsFile = None,
    label_attr: g.LabelAttr = "label",
    featureless: g.Featureless = "identity",
    predictions: g.Predictions = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train the two-layer GCN of Kipf & Welling (2017) and report test accuracy (or another
    propagation model of its Table 3, or another depth: --propagation, --layers, --residual)."""
    from gcnlab.errors import UsageError

    if dataset.strip().lower() == "digits":
        raise UsageError(
            "digits are images, not a graph: use 'gcnlab digits' (see 'gcnlab digits --help')"
        )
    from gcnlab.cli.distributed import train_in_job
    from gcnlab.tasks.node import NodeConfig, train_node

    config = NodeConfig(
        dataset=dataset,
        epochs=epochs,
        hidden=hidden,
        lr=lr,
        dropout=dropout,
        weight_decay=weight_decay,
        patience=patience,
        runs=runs,
        seed=seed,
        device=device.value,
        root=None if root is None else str(root),
        bias=bias,
        select=select.value,
        batch=batch.value,
        parts=parts,
        clusters_per_batch=clusters_per_batch,
        partition_file=None if partition_file is None else str(partition_file),
        reorder=reorder.value,
        split=split,
        propagation=propagation.value,
        layers=layers,
        residual=residual,
        **g.graph_fields(
            directed=directed,
            features_file=features_file,
            labels_file=labels_file,
            label_attr=label_attr,
            featureless=featureless,
        ),
    )
    config.validate()
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    clusters = config.batch == "clusters"
    missing = None if clusters else "--batch clusters (with --parts and --clusters-per-batch)"
    outputs = (json_path, save, plots, predictions)
    result = train_in_job(config, missing, train_node, outputs, describe)
    if result is None:  # another process of a torchrun job: rank 0 reports
        return

    report(
        result,
        f"{result.dataset}: test accuracy {100 * result.test_acc_mean:.1f} ± "
        f"{100 * result.test_acc_std:.1f} % over {runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
        predictions=predictions,
    )
