"""What every training command does with its outputs: check them first, write them at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gcnlab.cli import interrupts
from gcnlab.cli.app import EXIT_INTERRUPTED, check_writable, same_file


def check_outputs(json_path: Path | None, save: Path | None, plots: Path | None) -> None:
    """Refuse, before any training, ``--json``/``--save`` files that cannot be written or are one
    file (one would overwrite the other), and a ``--plots`` that is not a folder."""
    from gcnlab.errors import UsageError

    check_writable(json_path)
    check_writable(save)
    if json_path is not None and save is not None and same_file(json_path, save):
        raise UsageError(
            f"--json and --save are the same file ({json_path}); the checkpoint "
            f"would overwrite the result: give two paths"
        )
    if plots is not None:
        if plots.exists() and not plots.is_dir():
            raise UsageError(f"--plots {plots} is a file; give a folder")
        check_writable(plots / ".probe")


def runs_phrase(n: int) -> str:
    """``"1 run"`` or ``"N runs"``."""
    return f"{n} run" if n == 1 else f"{n} runs"


def report(
    result: Any, summary: str, *, json_path: Path | None, save: Path | None, plots: Path | None
) -> None:
    """Print the one-line ``summary``, write the JSON, checkpoint and figures asked for, and
    exit 130 if the run was interrupted (its finished runs are still written).

    A Ctrl-C while writing is held back until everything is written (the command then exits
    130 too): the files are what the interrupted user wanted to keep.
    """
    with interrupts.deferred():
        note = " (interrupted: finished runs only)" if result.partial else ""
        typer.echo(f"{summary}{note}")
        if json_path is not None:
            from gcnlab.io.checkpoint import result_metrics
            from gcnlab.io.results import write_json

            write_json(json_path, result_metrics(result))
            typer.echo(f"wrote {json_path}")
        if save is not None:
            from gcnlab.io.checkpoint import save_result

            typer.echo(f"wrote {save_result(save, result)}")
        if plots is not None:
            from gcnlab.plots import draw_result

            for path in draw_result(result, plots):
                typer.echo(f"wrote {path}")
    if result.partial:
        raise typer.Exit(EXIT_INTERRUPTED)
