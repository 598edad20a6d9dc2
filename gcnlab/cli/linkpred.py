"""``gcnlab linkpred DATASET``: link prediction with the graph auto-encoders of Kipf & Welling
(2016)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command
from gcnlab.cli.options import (
    LINK,
    Batch,
    DeviceOption,
    Epochs,
    Features,
    Hidden,
    Json,
    LinkLoss,
    LinkModel,
    Lr,
    Root,
    Runs,
    Save,
    Seed,
)
from gcnlab.cli.outputs import report, runs_phrase
from gcnlab.train.bounds import MAX_EDGE_BATCH_SIZE, MAX_HIDDEN, MAX_PARTS, MAX_SEED


@command("linkpred")
def linkpred_command(
    dataset: g.Dataset = LINK.dataset,
    model: Annotated[
        LinkModel,
        typer.Option(help="The graph auto-encoder: plain or variational.", case_sensitive=False),
    ] = LINK.model,
    epochs: Epochs = LINK.epochs,
    hidden: Hidden = LINK.hidden,
    latent: Annotated[
        int, typer.Option(help="Embedding size.", min=1, max=MAX_HIDDEN)
    ] = LINK.latent,
    lr: Lr = LINK.lr,
    loss: Annotated[
        LinkLoss,
        typer.Option(
            help="dense (the paper's, all N² pairs), sampled (random "
            "negatives) or auto (dense up to 10000 nodes).",
            case_sensitive=False,
        ),
    ] = LINK.loss,
    features: Annotated[
        Features,
        typer.Option(
            help="raw (the paper's), normalized (rows sum to 1) or none (one-hot ids).",
            case_sensitive=False,
        ),
    ] = LINK.features,
    runs: Runs = LINK.runs,
    seed: Seed = LINK.seed,
    split_seed: Annotated[
        int | None,
        typer.Option(
            help="Use one edge split, drawn with this seed, for every run "
            "(default: each run splits with its own seed).",
            min=0,
            max=MAX_SEED,
        ),
    ] = LINK.split_seed,
    device: DeviceOption = LINK.device,
    root: Root = None,
    json_path: Json = None,
    save: Save = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: training curves (mean and spread "
            "over runs), and ROC and precision-recall curves on the test edges."
        ),
    ] = None,
    features_file: g.FeaturesFile = None,
    featureless: g.Featureless = "identity",
    predictions: g.Predictions = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="With --predictions: also score these node pairs (a two-column file of node "
            "ids, as an edge list)."
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Edge mini-batches: training edges per step, each against as many sampled "
            "negatives (default: one full-batch step per epoch; needed under torchrun with "
            "several processes, which share each batch).",
            min=1,
            max=MAX_EDGE_BATCH_SIZE,
        ),
    ] = LINK.batch_size,
    batch: Annotated[
        Batch,
        typer.Option(
            help="full (the encoder sees the whole training graph at every step) or clusters "
            "(Cluster-GCN mini-batches of the training graph: encoder and loss on one batch "
            "per step; runs under torchrun with several processes).",
            case_sensitive=False,
        ),
    ] = LINK.batch,
    parts: Annotated[
        int,
        typer.Option(
            help="clusters: METIS parts of each run's training graph.", min=1, max=MAX_PARTS
        ),
    ] = LINK.parts,
    clusters_per_batch: Annotated[
        int, typer.Option(help="clusters: parts per mini-batch.", min=1, max=MAX_PARTS)
    ] = LINK.clusters_per_batch,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train a graph auto-encoder (GAE or VGAE) and report test ROC AUC and average precision
    on held-out edges."""
    from gcnlab.cli.distributed import train_in_job
    from gcnlab.errors import UsageError
    from gcnlab.tasks.link import LinkConfig, train_link

    if pairs is not None and predictions is None:
        raise UsageError("--pairs needs --predictions (the file its scores go to)")
    if pairs is not None and not pairs.is_file():
        raise UsageError(f"no such pairs file: {pairs}")

    config = LinkConfig(
        dataset=dataset,
        model=model.value,
        epochs=epochs,
        hidden=hidden,
        latent=latent,
        lr=lr,
        loss=loss.value,
        features=features.value,
        runs=runs,
        seed=seed,
        split_seed=split_seed,
        device=device.value,
        root=None if root is None else str(root),
        features_file=None if features_file is None else str(features_file),
        featureless=featureless.lower(),
        batch_size=batch_size,
        batch=batch.value,
        parts=parts,
        clusters_per_batch=clusters_per_batch,
    )
    config.validate()
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return (
            f"run {s.run + 1}/{runs}  epoch {s.epoch}  val AUC {100 * s.val_auc:.1f}  "
            f"AP {100 * s.val_ap:.1f}"
        )

    batched = batch_size is not None or config.batch == "clusters"
    missing = (
        None
        if batched
        else "--batch-size B (training edges per step) or --batch clusters (with --parts and "
        "--clusters-per-batch)"
    )
    outputs = (json_path, save, plots, predictions)
    result = train_in_job(config, missing, train_link, outputs, describe)
    if result is None:  # another process of a torchrun job: rank 0 reports
        return

    report(
        result,
        f"{result.dataset} {result.model.upper()}: test AUC "
        f"{100 * result.auc_mean:.1f} ± {100 * result.auc_std:.1f}, AP "
        f"{100 * result.ap_mean:.1f} ± {100 * result.ap_std:.1f} % "
        f"over {runs_phrase(result.runs)} "
        f"({result.reconstruction} loss, {result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
        predictions=predictions,
        pairs=pairs,
    )
