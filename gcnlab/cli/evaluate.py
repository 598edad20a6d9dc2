"""``gcnlab evaluate PATH``: reload a checkpoint and recompute the test metrics its run reported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import interrupts
from gcnlab.cli.app import command, say
from gcnlab.cli.options import DataOption, device_option
from gcnlab.cli.outputs import Files, graph_files, mean_spread, runs_phrase

ScoreDevice = device_option("Where to score the checkpoint's runs.")

# task -> (metric, label) in the order they are printed
METRICS = {
    "node": [("test_acc", "test accuracy")],
    "image": [("test_acc", "test accuracy")],
    "link": [("auc", "test AUC"), ("ap", "AP")],
}


@command("evaluate")
def evaluate_command(
    path: Annotated[Path, typer.Argument(help="A checkpoint written by --save.")],
    root: Annotated[
        Path | None,
        typer.Option(
            help="Data root (default: the one the run used, else $GCNLAB_DATA or ./datasets)."
        ),
    ] = None,
    device: ScoreDevice = "auto",
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the recomputed metrics as JSON here.")
    ] = None,
    data: DataOption = None,
) -> None:
    """Recompute a checkpoint's test metrics and compare them with its run's.

    Each saved run's model is rebuilt on the same data, checked by fingerprint.
    """
    from gcnlab.io.checkpoint import load_checkpoint
    from gcnlab.io.results import write_json
    from gcnlab.tasks.evaluate import checkpoint_config, evaluate_checkpoint

    checkpoint = load_checkpoint(path)
    inputs = {"the checkpoint": path, **graph_files(checkpoint_config(checkpoint, data))}
    Files(inputs=inputs, outputs={"--json": json_path}).check()
    ev = evaluate_checkpoint(checkpoint, root=root, device=device, data=data)
    parts = [
        f"{label} {mean_spread(ev.mean[key], ev.std[key], ev.runs)}"
        for key, label in METRICS.get(ev.task, [(k, k) for k in ev.mean])
    ]
    say(
        f"{ev.dataset} {ev.model}: {', '.join(parts)} % over {runs_phrase(ev.runs)} ({ev.device})"
    )
    if ev.matches:
        say("equal to the metrics the run reported")
    else:
        reported = ", ".join(f"{k} {100 * v:.4f}" for k, v in ev.reported.items())
        say(
            f"differs from the metrics the run reported ({reported} %); a different "
            f"device or library version changes the last digits"
        )
    if json_path is not None:
        with interrupts.deferred():
            write_json(json_path, ev)
            say(f"wrote {json_path}")
