"""What every training command does with its outputs: check them first, report at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gcnlab.cli.app import EXIT_INTERRUPTED, check_writable


def check_outputs(json_path: Path | None, save: Path | None, plots: Path | None) -> None:
    """Refuse unwritable ``--json``/``--save`` files and a ``--plots`` that is a file, before
    any training."""
    from gcnlab.errors import UsageError

    check_writable(json_path)
    check_writable(save)
    if plots is not None:
        if plots.exists() and not plots.is_dir():
            raise UsageError(f"--plots {plots} is a file; give a folder")
        check_writable(plots / ".probe")


def result_payload(result: Any) -> dict:
    """The JSON form of a result: every field but the per-epoch history and the weights."""
    from gcnlab.io.checkpoint import result_metrics

    return result_metrics(result)


def runs_phrase(n: int) -> str:
    """``"1 run"`` or ``"N runs"``."""
    return f"{n} run" if n == 1 else f"{n} runs"


def report(result: Any, summary: str, *, json_path: Path | None, save: Path | None,
           plots: Path | None) -> None:
    """Print the one-line ``summary``, write the JSON, checkpoint and figures asked for, and
    exit 130 if the run was interrupted (its finished runs are still written)."""
    note = " (interrupted: finished runs only)" if result.partial else ""
    typer.echo(f"{summary}{note}")
    if json_path is not None:
        from gcnlab.io.results import write_json

        write_json(json_path, result_payload(result))
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
