"""Options the training commands declare themselves, beside their config's: the CPU threads and
where predictions go. (Which graph and how to read it are config fields: GraphInput.)"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.train.bounds import MAX_THREADS

# The default of --threads. On a 2-core machine shared with other jobs, torch's default (one
# thread per core) ran Cora's epochs several times slower than one thread, and never faster on
# a 1M-edge graph (benchmarks/bench_threads.py, docs/data.md); one thread is never the slow one.
DEFAULT_THREADS = 1

Threads = Annotated[
    int,
    typer.Option(
        min=1,
        max=MAX_THREADS,
        help="CPU threads for torch (torch.set_num_threads); 1 is fastest on a shared "
        "machine (measured, docs/data.md).",
    ),
]
Predictions = Annotated[
    Path | None,
    typer.Option(
        help="Write a CSV of predictions from the run validation prefers (node: id, split, label, "
        "predicted class, class probabilities; link: test pairs' probabilities)."
    ),
]


def set_threads(threads: int) -> None:
    """Use ``threads`` CPU threads in torch from here on (the library itself keeps torch's)."""
    import torch

    torch.set_num_threads(threads)
