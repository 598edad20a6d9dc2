"""``gcnlab train DATASET``: semi-supervised node classification with the paper's GCN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command
from gcnlab.cli.derive import given_on_command_line, option_name
from gcnlab.cli.options import Json, Save
from gcnlab.cli.outputs import Files, graph_files, mean_spread, report, runs_phrase
from gcnlab.tasks.node_config import NodeConfig


@command("train", config=NodeConfig)
def train_command(
    config: NodeConfig,
    *,
    json_path: Json = None,
    save: Save = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: training curves (mean and spread "
            "over runs) and a t-SNE of the hidden layer."
        ),
    ] = None,
    predictions: g.Predictions = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train the two-layer GCN of Kipf & Welling (2017) and report test accuracy (or another
    propagation model of its Table 3, or another depth: --propagation, --layers, --residual; or
    SGC, APPNP, GCNII with their papers' settings: --model)."""
    from gcnlab.errors import UsageError

    if config.dataset.strip().lower() == "digits":
        raise UsageError(
            "digits are images, not a graph: use 'gcnlab digits' (see 'gcnlab digits --help')"
        )
    from gcnlab.cli.distributed import train_in_job
    from gcnlab.tasks.node import train_node

    given = given_on_command_line()
    unused = config.unused(given)
    if unused:
        names = ", ".join(option_name(NodeConfig, name) for name in unused)
        raise UsageError(f"--model {config.model} does not use {names}")
    config = config.with_paper_settings(given)  # the model's paper, where no option was given
    config.validate()
    g.set_threads(threads)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{config.runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    clusters = config.batch == "clusters"
    missing = None if clusters else "--batch clusters (with --parts and --clusters-per-batch)"
    parts = None if config.partition_file is None else Path(config.partition_file)
    files = Files(
        inputs=graph_files(config),
        outputs={"--json": json_path, "--save": save, "--predictions": predictions},
        kept={"--partition-file": parts},
        plots=plots,
    )
    result = train_in_job(config, missing, train_node, files, describe)
    if result is None:  # another process of a torchrun job: rank 0 reports
        return

    report(
        result,
        f"{result.dataset}: test accuracy "
        f"{mean_spread(result.test_acc_mean, result.test_acc_std, result.runs)} % over "
        f"{runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
        predictions=predictions,
    )
