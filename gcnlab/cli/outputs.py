"""What every training command does with its outputs: check them first, write them at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gcnlab.cli import interrupts
from gcnlab.cli.app import EXIT_INTERRUPTED, check_writable, same_file


def check_outputs(
    json_path: Path | None,
    save: Path | None,
    plots: Path | None,
    predictions: Path | None = None,
) -> None:
    """Refuse, before any training, ``--json``/``--save``/``--predictions`` files that cannot be
    written or are one file (one would overwrite another), and a ``--plots`` that is not a
    folder."""
    from gcnlab.errors import UsageError

    check_writable(json_path)
    check_writable(save)
    check_writable(predictions)
    named = [("--json", json_path), ("--save", save), ("--predictions", predictions)]
    given = [(name, path) for name, path in named if path is not None]
    for i, (first, a) in enumerate(given):
        for second, b in given[i + 1 :]:
            if same_file(a, b):
                clash = (
                    "the checkpoint would overwrite the result"
                    if (first, second) == ("--json", "--save")
                    else "one would overwrite the other"
                )
                raise UsageError(
                    f"{first} and {second} are the same file ({a}); {clash}: give two paths"
                )
    if plots is not None:
        if plots.exists() and not plots.is_dir():
            raise UsageError(f"--plots {plots} is a file; give a folder")
        check_writable(plots / ".probe")


def runs_phrase(n: int) -> str:
    """``"1 run"`` or ``"N runs"``."""
    return f"{n} run" if n == 1 else f"{n} runs"


def result_payload(result: Any) -> dict:
    """The JSON form of a result: every field but the weights, the torch threads it ran with,
    and the per-epoch history of every run (loss, training and validation metrics; see
    :func:`~gcnlab.io.results.history_columns`)."""
    import torch

    from gcnlab.io.checkpoint import result_metrics
    from gcnlab.io.results import history_columns

    # threads: CPU sums in another order can change the last digits (gcnlab rerun uses it)
    return {
        **result_metrics(result),
        "threads": torch.get_num_threads(),
        "history": history_columns(result.history),
    }


def write_predictions(result: Any, path: Path, pairs: Path | None = None) -> Path:
    """The CSV of ``--predictions``: class probabilities per node, or link probabilities of the
    test pairs and of ``pairs``."""
    from gcnlab.io.predictions import write_node_predictions, write_pair_scores
    from gcnlab.tasks.predict import link_scores, node_predictions

    if result.task == "link":
        return write_pair_scores(path, link_scores(result, pairs))
    return write_node_predictions(path, node_predictions(result))


def report(
    result: Any,
    summary: str,
    *,
    json_path: Path | None,
    save: Path | None,
    plots: Path | None,
    predictions: Path | None = None,
    pairs: Path | None = None,
) -> None:
    """Print the one-line ``summary``, write the JSON, checkpoint, predictions and figures asked
    for, and exit 130 if the run was interrupted (its finished runs are still written).

    A Ctrl-C while writing is held back until everything is written (the command then exits
    130 too): the files are what the interrupted user wanted to keep.
    """
    with interrupts.deferred():
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
