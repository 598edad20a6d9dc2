"""What every training command does with its outputs: check them first, report at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gcnlab.cli.app import EXIT_INTERRUPTED, check_writable


def check_outputs(json_path: Path | None, save: Path | None, plots: Path | None,
                  predictions: Path | None = None) -> None:
    """Refuse unwritable ``--json``/``--save``/``--predictions`` files and a ``--plots`` that is
    a file, before any training."""
    from gcnlab.errors import UsageError

    check_writable(json_path)
    check_writable(save)
    check_writable(predictions)
    if plots is not None:
        if plots.exists() and not plots.is_dir():
            raise UsageError(f"--plots {plots} is a file; give a folder")
        check_writable(plots / ".probe")


def result_payload(result: Any) -> dict:
    """The JSON form of a result: every field but the weights, with the per-epoch history of
    every run (loss, training and validation metrics; see :func:`~gcnlab.io.results.
    history_columns`)."""
    import torch

    from gcnlab.io.checkpoint import result_metrics
    from gcnlab.io.results import history_columns

    # threads: CPU sums in another order can change the last digits (gcnlab rerun uses it)
    return {**result_metrics(result), "threads": torch.get_num_threads(),
            "history": history_columns(result.history)}


def runs_phrase(n: int) -> str:
    """``"1 run"`` or ``"N runs"``."""
    return f"{n} run" if n == 1 else f"{n} runs"


def report(result: Any, summary: str, *, json_path: Path | None, save: Path | None,
           plots: Path | None, predictions: Path | None = None,
           pairs: Path | None = None) -> None:
    """Print the one-line ``summary``, write the JSON, checkpoint, predictions and figures asked
    for, and exit 130 if the run was interrupted (its finished runs are still written)."""
    note = " (interrupted: finished runs only)" if result.partial else ""
    typer.echo(f"{summary}{note}")
    if json_path is not None:
        from gcnlab.io.results import write_json

        write_json(json_path, result_payload(result))
        typer.echo(f"wrote {json_path}")
    if save is not None:
        from gcnlab.io.checkpoint import save_result

        typer.echo(f"wrote {save_result(save, result)}")
    if predictions is not None:
        typer.echo(f"wrote {write_predictions(result, predictions, pairs)}")
    if plots is not None:
        from gcnlab.plots import draw_result

        for path in draw_result(result, plots):
            typer.echo(f"wrote {path}")
    if result.partial:
        raise typer.Exit(EXIT_INTERRUPTED)


def write_predictions(result: Any, path: Path, pairs: Path | None = None) -> Path:
    """The CSV of ``--predictions``: class probabilities per node, or link probabilities of the
    test pairs and of ``pairs``."""
    from gcnlab.io.predictions import write_node_predictions, write_pair_scores
    from gcnlab.tasks.predict import link_scores, node_predictions

    if result.task == "link":
        return write_pair_scores(path, link_scores(result, pairs))
    return write_node_predictions(path, node_predictions(result))
