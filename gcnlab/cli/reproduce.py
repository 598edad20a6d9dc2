"""``gcnlab reproduce [gcn|gcn-random|gae|vgae|grid|all|gcn-table3|gae-table1|gcn-family|
gcn-depth|gcn-timing|receptive-field]``: the papers' protocols, one table, against the papers'
numbers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli import interrupts
from gcnlab.cli.app import EXIT_INTERRUPTED, check_writable, command, console
from gcnlab.cli.derive import given_on_command_line, option_name
from gcnlab.cli.progress import progress_bar
from gcnlab.experiments.reproduce_config import ReproduceConfig

# what every protocol uses; the others each use some of the command's options (USES)
ALWAYS = {"which", "out", "seed", "device", "threads", "debug", "verbose"}
TABLE_ROWS = ("runs", "epochs", "datasets", "root", "plots")
USES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("gcn", "gcn-random", "gae", "vgae", "gcn-table3", "gae-table1", "gcn-family", "all"),
        TABLE_ROWS,
    ),
    "grid": ("runs", "epochs", "plots"),  # scikit-learn's digits: no graph
    "gcn-depth": ("runs", "epochs", "datasets", "root", "folds"),
    "gcn-timing": ("epochs", "max_edges"),  # random graphs, timed
    "receptive-field": ("datasets", "root"),  # one graph
}


@command("reproduce", config=ReproduceConfig)
def reproduce_command(
    *,
    config: ReproduceConfig,
    out: Annotated[Path, typer.Option(help="Folder for reproduce.md and reproduce.json.")] = Path(
        "runs/reproduce"
    ),
    plots: Annotated[
        Path | None,
        typer.Option(help="Write each job's figures (PNG) into a subfolder of this folder."),
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Run the papers' protocols; print gcnlab's numbers next to the papers'.

    Every dataset under the data root is used; missing ones get a row that says so. The table
    is also written as Markdown and JSON into --out.
    """
    from gcnlab.cli.outputs import Files
    from gcnlab.errors import UsageError
    from gcnlab.experiments.reproduce import cells, plan, reproduce, write_tables

    which, given = config.which, given_on_command_line()
    if config.folds and which != "gcn-depth":
        raise UsageError("--folds applies to gcn-depth only")
    unused = sorted(given - ALWAYS - set(USES[which]))
    if unused:
        names = ", ".join(option_name(ReproduceConfig, name) for name in unused)
        raise UsageError(f"reproduce {which} does not use {names}")
    if which == "receptive-field" and "datasets" in given and len(config.datasets) > 1:
        raise UsageError("reproduce receptive-field uses one --dataset")
    g.set_threads(threads)
    experiment = config.experiment_config(given)
    if experiment is not None:  # a figure with its own tables, not rows of the papers'
        from gcnlab.cli.experiments import run_experiment

        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file; give a folder")
        check_writable(out / f"{which}.json")
        run_experiment(experiment, out)
        return
    config.validate()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    check_writable(out / "reproduce.json")
    Files(plots=plots).check()

    jobs, _ = plan(config)
    with _progress(jobs) as (bar, on_job, on_epoch):
        drawn: set[int] = set()

        def on_row(row: Any) -> None:
            text = " | ".join(cells(row)[:7])
            bar.console.print(f"[dim]{text}[/dim]", highlight=False)
            if plots is not None and _has_figures(row.result) and id(row.result) not in drawn:
                drawn.add(id(row.result))
                for path in _draw(row.result, plots, config.root):
                    bar.console.print(f"[dim]wrote {path}[/dim]", highlight=False)

        result = reproduce(config, on_row=on_row, on_epoch=on_epoch, on_job=on_job)

    with interrupts.deferred():
        console().print(_table(result))
        for path in write_tables(result, out):
            typer.echo(f"wrote {path}")
    if result.partial:
        typer.echo("interrupted: the table holds the finished rows only")
        raise typer.Exit(EXIT_INTERRUPTED)


def _has_figures(result: Any) -> bool:
    from gcnlab.experiments.baselines import BaselineResult

    # the embedding baselines keep no model: nothing to draw
    return result is not None and not isinstance(result, BaselineResult)


def _draw(result: Any, folder: Path, root: str | None) -> list[Path]:
    from gcnlab.plots import draw_result

    return draw_result(result, folder / f"{result.dataset}-{result.model}", root=root)


def _table(result: Any) -> Any:
    from rich import box
    from rich.table import Table

    from gcnlab.experiments.reproduce import COLUMNS, NUMERIC, cells

    n = len(result.seeds)
    table = Table(
        title=f"gcnlab reproduce: {n} seed{'s' if n > 1 else ''}, {result.device}",
        caption="percent; difference = gcnlab − reference, in points",
        box=box.SIMPLE_HEAD,
    )
    for column in COLUMNS:
        table.add_column(column, justify="right" if column in NUMERIC else "left")
    for row in result.rows:
        style = None if row.status == "ok" else "yellow"
        table.add_row(*cells(row), style=style)
    return table


@contextlib.contextmanager
def _progress(jobs: list[Any]) -> Iterator[tuple[Any, Any, Any]]:
    """A rich progress bar over every epoch of every run of every job, on stderr; yields the
    bar and the ``on_job`` and ``on_epoch`` hooks of
    :func:`gcnlab.experiments.reproduce.reproduce`."""
    offsets = [0]  # epochs before each job; runs that stop early jump to the next run
    for job in jobs:
        offsets.append(offsets[-1] + job.runs * job.epochs)
    with progress_bar() as bar:
        task = bar.add_task("reproduce", total=offsets[-1])

        def on_job(job: Any) -> None:
            bar.update(
                task,
                completed=offsets[job.index],
                description=f"[{job.index + 1}/{job.total}] {job.label}",
            )

        def on_epoch(job: Any, stats: Any) -> None:
            bar.update(
                task,
                completed=offsets[job.index] + stats.run * job.epochs + stats.epoch,
                description=f"[{job.index + 1}/{job.total}] {job.label}  run "
                f"{stats.run + 1}/{job.runs}  epoch {stats.epoch}",
            )
            interrupts.stop_point()  # a Ctrl-C takes effect here, between epochs

        yield bar, on_job, on_epoch
