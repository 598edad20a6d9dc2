"""``gcnlab linkpred DATASET``: link prediction with the graph auto-encoders of Kipf & Welling
(2016)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command
from gcnlab.cli.options import Json, Save
from gcnlab.cli.outputs import Files, graph_files, mean_spread, report, runs_phrase
from gcnlab.tasks.link_config import LinkConfig


@command("linkpred", config=LinkConfig)
def linkpred_command(
    config: LinkConfig,
    *,
    json_path: Json = None,
    save: Save = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: training curves (mean and spread "
            "over runs), and ROC and precision-recall curves on the test edges."
        ),
    ] = None,
    predictions: g.Predictions = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="With --predictions: also score these node pairs (a two-column file of node "
            "ids, as an edge list)."
        ),
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train a graph auto-encoder (GAE or VGAE) and report test ROC AUC and average precision
    on held-out edges."""
    from gcnlab.cli.distributed import train_in_job
    from gcnlab.errors import UsageError
    from gcnlab.tasks.link import train_link

    if pairs is not None and predictions is None:
        raise UsageError("--pairs needs --predictions (the file its scores go to)")
    if pairs is not None and not pairs.is_file():
        raise UsageError(f"no such pairs file: {pairs}")

    config.validate()
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return (
            f"run {s.run + 1}/{config.runs}  epoch {s.epoch}  val AUC {100 * s.val_auc:.1f}  "
            f"AP {100 * s.val_ap:.1f}"
        )

    batched = config.batch_size is not None or config.batch == "clusters"
    missing = (
        None
        if batched
        else "--batch-size B (training edges per step) or --batch clusters (with --parts and "
        "--clusters-per-batch)"
    )
    files = Files(
        inputs={**graph_files(config), "--pairs": pairs},
        outputs={"--json": json_path, "--save": save, "--predictions": predictions},
        plots=plots,
    )
    on_ready = None if pairs is None else PairsCheck(pairs)
    result = train_in_job(config, missing, train_link, files, describe, on_ready)
    if result is None:  # another process of a torchrun job: rank 0 reports
        return

    report(
        result,
        f"{result.dataset} {result.model.upper()}: test AUC "
        f"{mean_spread(result.auc_mean, result.auc_std, result.runs)}, AP "
        f"{mean_spread(result.ap_mean, result.ap_std, result.runs)} % "
        f"over {runs_phrase(result.runs)} "
        f"({result.reconstruction} loss, {result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
        predictions=predictions,
        pairs=None if on_ready is None else on_ready.index,
    )


class PairsCheck:
    """The check, once the graph is loaded and before training, that every node of ``pairs``
    is in the graph (:func:`gcnlab.tasks.predict.read_pairs` raises, naming the line). It keeps
    the pairs it read (``index``, ``[2, P]``), so the scores after training read the file once."""

    def __init__(self, pairs: Path) -> None:
        self.pairs = pairs
        self.index: Any = None  # [2, P] node indices, once the check has run

    def __call__(self, task: Any) -> None:
        from gcnlab.data.graph_parts import node_names
        from gcnlab.tasks.predict import read_pairs

        self.index = read_pairs(self.pairs, node_names(task.data))
