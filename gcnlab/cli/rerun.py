"""``gcnlab rerun RESULT``: train again exactly what a ``--json`` result or a checkpoint
recorded, and say whether every metric came out the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import EXIT_FAILED, command, say
from gcnlab.cli.options import DataOption
from gcnlab.cli.outputs import Files, graph_files, result_payload
from gcnlab.cli.progress import epoch_progress
from gcnlab.train.bounds import MAX_THREADS


@command("rerun")
def rerun_command(
    result: Annotated[
        Path, typer.Argument(help="A result written by --json, or a checkpoint written by --save.")
    ],
    root: Annotated[
        Path | None, typer.Option(help="Data root (default: the recorded one).")
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="auto, cpu or cuda (default: the recorded one).")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_THREADS, help="CPU threads (default: the recorded run's, else 1)."
        ),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the new result as JSON here.")
    ] = None,
    data: DataOption = None,
) -> None:
    """Run the recorded configuration again (same seeds, split and data) and compare every
    metric with the recorded one, exactly. Exit 1 if any differs; versions that differ from
    the recorded ones are listed first."""
    from gcnlab.tasks.rerun import read_recorded, recorded_config, rerun

    recorded = read_recorded(result)
    config = recorded_config(recorded, None if data is None else str(data))
    Files(
        inputs={"the record": result, **graph_files(config)}, outputs={"--json": json_path}
    ).check()
    wanted = threads or recorded.threads or g.DEFAULT_THREADS
    if recorded.threads is not None and wanted != recorded.threads:
        typer.echo(
            f"warning: the recorded run used {recorded.threads} threads, this one "
            f"{wanted}; the last digits may differ",
            err=True,
        )
    g.set_threads(wanted)
    runs, epochs = config.runs, config.epochs
    with epoch_progress(runs, epochs, lambda s: f"run {s.run + 1}/{runs}  epoch {s.epoch}") as cb:
        outcome = rerun(
            recorded,
            root=None if root is None else str(root),
            device=device,
            data=None if data is None else str(data),
            on_epoch=cb,
        )
    for name, (before, now) in outcome.version_changes.items():
        typer.echo(f"warning: {name} {before} recorded, {now} now", err=True)
    if json_path is not None:
        from gcnlab.io.results import write_json

        write_json(json_path, result_payload(outcome.result))
        say(f"wrote {json_path}")
    what = f"{recorded.task} task on {outcome.result.dataset}, {outcome.result.runs} run(s)"
    if outcome.matches:
        say(f"rerun of {result}: {what}; every recorded metric is the same")
        return
    say(f"rerun of {result}: {what}; {len(outcome.differences)} recorded metric(s) differ:")
    for line in outcome.differences:
        say(f"  {line}")
    raise typer.Exit(EXIT_FAILED)
