"""``gcnlab reproduce gcn-depth | gcn-timing | receptive-field``: the papers' experiments that are
figures rather than table rows. Each takes the config that
:meth:`~gcnlab.experiments.reproduce_config.ReproduceConfig.experiment_config` built, calls one
library function, and writes its Markdown/JSON table and PNG figures into ``--out``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gcnlab.cli.app import EXIT_INTERRUPTED, console
from gcnlab.cli.progress import progress_bar
from gcnlab.experiments.depth_config import DepthConfig
from gcnlab.experiments.receptive_config import ReceptiveConfig
from gcnlab.experiments.reproduce_config import ExperimentConfig
from gcnlab.experiments.timing_config import TimingConfig


def run_experiment(config: ExperimentConfig, out: Path) -> None:
    """Run the experiment ``config`` sets up and write its files into ``out``."""
    runner = {DepthConfig: _depth, TimingConfig: _timing, ReceptiveConfig: _receptive}[type(config)]
    paths, partial = runner(config, out)
    for path in paths:
        typer.echo(f"wrote {path}")
    if partial:
        typer.echo("interrupted: the table holds the finished rows only")
        raise typer.Exit(EXIT_INTERRUPTED)


def _depth(config: DepthConfig, out: Path) -> tuple[list[Path], bool]:
    from gcnlab.experiments.depth import cells, depth_study, write_tables
    from gcnlab.plots.paper import depth_figures

    config.validate()
    runs = config.folds or config.runs  # trainings per point: one per fold with --folds
    points = len(config.datasets) * len(config.depths) * len(config.residual)
    with progress_bar() as bar:
        task = bar.add_task("gcn-depth", total=points * runs * config.epochs)
        done = [0]

        def on_row(row: Any) -> None:
            done[0] += 1
            bar.update(task, completed=done[0] * runs * config.epochs)
            bar.console.print(f"[dim]{' | '.join(cells(row))}[/dim]", highlight=False)

        def on_epoch(stats: Any) -> None:
            bar.update(
                task,
                completed=(done[0] * runs + stats.run) * config.epochs + stats.epoch,
                description=f"gcn-depth [{done[0] + 1}/{points}] run {stats.run + 1}",
            )

        result = depth_study(config, on_row=on_row, on_epoch=on_epoch)
    paths = write_tables(result, out) + depth_figures(result, out)
    return paths, result.partial


def _timing(config: TimingConfig, out: Path) -> tuple[list[Path], bool]:
    from gcnlab.experiments.timing import time_per_epoch, write_tables
    from gcnlab.plots.paper import timing_figure

    config.validate()
    with progress_bar() as bar:
        task = bar.add_task("gcn-timing", total=len(config.node_counts()) * len(config.models))

        def on_row(row: Any) -> None:
            bar.advance(task)
            time = "—" if row.seconds is None else f"{1000 * row.seconds:.2f} ms/epoch"
            bar.console.print(
                f"[dim]{row.model} | {row.nodes:,} nodes | {row.edges:,} edges | "
                f"{row.status} | {time}[/dim]",
                highlight=False,
            )

        result = time_per_epoch(config, on_row=on_row)
    return write_tables(result, out) + [timing_figure(result, out)], result.partial


def _receptive(config: ReceptiveConfig, out: Path) -> tuple[list[Path], bool]:
    from gcnlab.experiments.receptive import receptive_fields, write_tables
    from gcnlab.plots.receptive import receptive_figures

    config.validate()
    with console(stderr=True).status("receptive fields: grid, then the graph"):
        result = receptive_fields(config)
    return write_tables(result, out) + receptive_figures(result, out), False
