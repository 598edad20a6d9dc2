"""``gcnlab linkpred DATASET``: link prediction with the graph auto-encoders of Kipf & Welling
(2016)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import app, handle_errors
from gcnlab.cli.outputs import check_outputs, report, runs_phrase
from gcnlab.cli.progress import epoch_progress


@app.command("linkpred")
@handle_errors
def linkpred_command(
    dataset: g.Dataset = "cora",
    model: Annotated[str, typer.Option(help="gae or vgae.")] = "gae",
    epochs: Annotated[int, typer.Option(help="Epochs per run.")] = 200,
    hidden: Annotated[int, typer.Option(help="Hidden units.")] = 32,
    latent: Annotated[int, typer.Option(help="Embedding size.")] = 16,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 0.01,
    loss: Annotated[str, typer.Option(
        help="dense (the paper's, all N² pairs), sampled (random negatives) or auto "
             "(dense up to 10000 nodes).")] = "auto",
    features: Annotated[str, typer.Option(
        help="raw (the paper's), normalized (rows sum to 1) or none (one-hot ids).")] = "raw",
    runs: Annotated[int, typer.Option(help="Number of seeded runs.")] = 10,
    seed: Annotated[int, typer.Option(help="First seed; run i uses seed + i.")] = 0,
    split_seed: Annotated[int | None, typer.Option(
        help="Use one edge split, drawn with this seed, for every run "
             "(default: each run splits with its own seed).")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    root: Annotated[Path | None, typer.Option(
        help="Data root (default: $GCNLAB_DATA or ./datasets).")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Write the result as JSON here.")] = None,
    save: Annotated[Path | None, typer.Option(
        help="Save a checkpoint here (weights at each run's chosen epoch, config, dataset "
             "fingerprint); check it with 'gcnlab evaluate'.")] = None,
    plots: Annotated[Path | None, typer.Option(
        help="Write figures (PNG) into this folder: training curves, and ROC and "
             "precision-recall curves on the test edges.")] = None,
    features_file: g.FeaturesFile = None,
    featureless: g.Featureless = "identity",
    predictions: g.Predictions = None,
    pairs: Annotated[Path | None, typer.Option(
        help="With --predictions: also score these node pairs (a two-column file of node ids, "
             "as an edge list).")] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train a graph auto-encoder (GAE or VGAE) and report test ROC AUC and average precision
    on held-out edges."""
    from gcnlab.errors import UsageError
    from gcnlab.tasks.link import LinkConfig, train_link

    g.set_threads(threads)
    if pairs is not None and predictions is None:
        raise UsageError("--pairs needs --predictions (the file its scores go to)")
    if pairs is not None and not pairs.is_file():
        raise UsageError(f"no such pairs file: {pairs}")
    config = LinkConfig(dataset=dataset, model=model.lower(), epochs=epochs, hidden=hidden,
                        features_file=None if features_file is None else str(features_file),
                        featureless=featureless.lower(),
                        latent=latent, lr=lr, loss=loss.lower(), features=features.lower(),
                        runs=runs, seed=seed, split_seed=split_seed, device=device,
                        root=None if root is None else str(root))
    config.validate()
    check_outputs(json_path, save, plots, predictions)

    def describe(s) -> str:  # noqa: ANN001
        return (f"run {s.run + 1}/{runs}  epoch {s.epoch}  val AUC {100 * s.val_auc:.1f}  "
                f"AP {100 * s.val_ap:.1f}")

    with epoch_progress(runs, epochs, describe) as on_epoch:
        result = train_link(config, on_epoch=on_epoch)

    report(result, f"{result.dataset} {result.model.upper()}: test AUC "
           f"{100 * result.auc_mean:.1f} ± {100 * result.auc_std:.1f}, AP "
           f"{100 * result.ap_mean:.1f} ± {100 * result.ap_std:.1f} % "
           f"over {runs_phrase(result.runs)} "
           f"({result.reconstruction} loss, {result.seconds:.1f} s, {result.device})",
           json_path=json_path, save=save, plots=plots, predictions=predictions, pairs=pairs)
