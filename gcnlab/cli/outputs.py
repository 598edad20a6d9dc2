"""What every training command does with its outputs: check them first, write them at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from gcnlab.cli import interrupts
from gcnlab.cli.app import (
    EXIT_INTERRUPTED,
    check_writable,
    human_console,
    human_to_stderr,
    same_file,
    say,
)


@dataclass
class Files:
    """Every file a command reads and writes, each under the option (or role) that names it:
    ``{"--json": Path("r.json")}``, ``{"the graph file": Path("g.csv")}``. None: not given.

    Outputs include the implicit ones (``embed``'s ``<stem>.ids.csv``); ``kept`` are files read
    when they exist and written otherwise (``--partition-file``), checked against the others
    but not for writing."""

    inputs: dict[str, Path | None] = field(default_factory=dict)
    outputs: dict[str, Path | None] = field(default_factory=dict)
    kept: dict[str, Path | None] = field(default_factory=dict)
    plots: Path | None = None  # the --plots folder

    def check(self) -> None:
        """Refuse, before any work: an output that cannot be written, two outputs that are one
        file, and an output that is one of the inputs (through any name, a symbolic or a hard
        link), which writing would destroy. Then send the human lines to stderr if a result
        goes to stdout (:func:`gcnlab.cli.app.say`).

        Raises:
            UsageError: naming both paths.
        """
        from gcnlab.errors import UsageError

        outputs = _given(self.outputs)
        for _, path in outputs:
            check_writable(path)
        written = outputs + _given(self.kept)
        for i, (first, a) in enumerate(written):
            for second, b in written[i + 1 :]:
                if same_file(a, b):
                    clash = (
                        "the checkpoint would overwrite the result"
                        if (first, second) == ("--json", "--save")
                        else "one would overwrite the other"
                    )
                    raise UsageError(
                        f"{first} and {second} are the same file ({a}); {clash}: give two paths"
                    )
        for out_name, out in written:
            for in_name, source in _given(self.inputs):
                if same_file(out, source):
                    raise UsageError(
                        f"{out_name} {out} is the same file as {in_name} {source}; writing it "
                        "would destroy the input: give another path"
                    )
        if self.plots is not None:
            if self.plots.exists() and not self.plots.is_dir():
                raise UsageError(f"--plots {self.plots} is a file; give a folder")
            check_writable(self.plots / ".probe")
        human_to_stderr(any(is_stdout(path) for _, path in outputs))


def _given(paths: dict[str, Path | None]) -> list[tuple[str, Path]]:
    return [(name, Path(path)) for name, path in paths.items() if path is not None]


def is_stdout(path: Path) -> bool:
    """Whether writing ``path`` writes this process's standard output (``/dev/stdout``,
    ``/proc/self/fd/1``, a link to them)."""
    from gcnlab.errors import UsageError
    from gcnlab.utils.files import output_target

    try:
        target = output_target(path)
    except UsageError:  # a folder or a socket: check_writable refuses it
        return False
    return target.how == "descriptor" and target.fd == 1


def graph_files(config: Any) -> dict[str, Path | None]:
    """The files a graph config reads (the graph file, ``--features-file``,
    ``--labels-file``), by role; a dataset name or a spec reads none of them here."""
    from gcnlab.train.graph_input import source_files

    return {name: Path(path) for name, path in source_files(config).items()}


def mean_spread(mean: float, std: float, runs: int) -> str:
    """A fraction's mean and standard deviation over ``runs``, in percent: ``"81.5 ± 0.6"``;
    one run has no spread: ``"81.5"``."""
    return f"{100 * mean:.1f}" if runs == 1 else f"{100 * mean:.1f} ± {100 * std:.1f}"


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


def write_predictions(result: Any, path: Path, pairs: Any = None) -> Path:
    """The CSV of ``--predictions``: class probabilities per node, or link probabilities of the
    test pairs and of ``pairs`` (a pairs file, or its node indices ``[2, P]`` read already)."""
    from gcnlab.io.predictions import write_node_predictions, write_pair_scores
    from gcnlab.tasks.link import LinkResult
    from gcnlab.tasks.predict import link_scores, node_predictions

    if isinstance(result, LinkResult):
        return write_pair_scores(path, link_scores(result, pairs))
    return write_node_predictions(path, node_predictions(result))


Writer = Callable[[], "Path | Iterable[Path]"]
"""Writes one output (a file, or figures into a folder) and returns the paths it wrote."""


def report(
    result: Any,
    summary: str,
    *,
    json_path: Path | None,
    save: Path | None,
    plots: Path | None,
    predictions: Path | None = None,
    pairs: Any = None,
    payload: Callable[[Any], Any] = result_payload,
    writers: Sequence[Writer] = (),
    table: Any = None,
) -> None:
    """Print the one-line ``summary``, write the JSON, checkpoint, predictions and figures asked
    for, and exit 130 if the run was interrupted (its finished runs are still written).

    Args:
        result: a task's result (``partial``: interrupted, finished runs only).
        summary (str): what the command prints first.
        payload (callable, optional): the result's JSON form. (default: :func:`result_payload`)
        writers (list, optional): the command's other outputs (e.g. ``gcnlab cluster``'s
            clusters CSV), written after the predictions, before the figures. (default: none)
        table (optional): a ``rich`` renderable printed after the summary. (default: none)
    """
    outputs: list[Writer] = []
    if json_path is not None:
        outputs.append(json_writer(json_path, lambda: payload(result)))
    if save is not None:

        def write_checkpoint() -> Path:
            from gcnlab.io.checkpoint import save_result

            return save_result(save, result)

        outputs.append(write_checkpoint)
    if predictions is not None:
        outputs.append(lambda: write_predictions(result, predictions, pairs))
    outputs.extend(writers)
    if plots is not None:

        def draw() -> Iterable[Path]:
            from gcnlab.plots import draw_result

            return draw_result(result, plots)

        outputs.append(draw)
    write_outputs(summary, outputs, partial=result.partial, table=table)


def json_writer(path: Path, payload: Callable[[], Any]) -> Writer:
    """A :data:`Writer` of ``payload()`` as JSON, built only when it is written."""

    def write() -> Path:
        from gcnlab.io.results import write_json

        write_json(path, payload())
        return path  # as given: ``wrote /dev/stdout``, not where the link leads

    return write


def write_outputs(
    summary: str | None, writers: Sequence[Writer], *, partial: bool, table: Any = None
) -> None:
    """The one way a command ends: print ``summary`` and ``table``, run ``writers`` (each file
    written atomically), and exit 130 if the results are ``partial``.

    A Ctrl-C while writing is held back until everything is written (the command then exits
    130 too): the files are what the interrupted user wanted to keep.
    """
    with interrupts.deferred():
        note = "interrupted: finished runs only"
        if summary is not None:
            say(f"{summary} ({note})" if partial else summary)
        if table is not None:
            human_console().print(table)
        if summary is None and partial:
            say(note)
        for write in writers:
            written = write()
            for path in [written] if isinstance(written, (str, Path)) else written:
                say(f"wrote {path}")
    if partial:
        raise typer.Exit(EXIT_INTERRUPTED)
