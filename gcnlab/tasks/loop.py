"""Seeded runs: the loop every training function shares.

Run ``i`` uses seed ``seed + i``. Each run returns the stats of the epoch validation chose, the
history of every epoch and the weights at the chosen epoch. Ctrl-C anywhere in the loop, between
runs included, keeps the runs that finished.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from torch import Tensor

from gcnlab.errors import UsageError

log = logging.getLogger(__name__)

MAX_RUNS = 10_000  # a typo like --runs 1000000000000 must not allocate a list of 10^12 seeds

S = TypeVar("S")  # the per-epoch stats type of a task
RunOutcome = tuple[S, list[S], dict[str, Tensor]]  # (chosen epoch, all epochs, its weights)


@dataclass
class SeededRuns(Generic[S]):
    """What :func:`run_seeds` returns: the finished runs, in order."""

    seeds: list[int] = field(default_factory=list)
    picked: list[S] = field(default_factory=list)  # the chosen epoch of each run
    histories: list[list[S]] = field(default_factory=list)  # every epoch of each run
    states: list[dict[str, Tensor]] = field(default_factory=list)  # weights at the chosen epoch
    seconds: float = 0.0  # time in the training calls, all runs (set-up excluded)
    partial: bool = False  # True if interrupted: only the finished runs are here


def run_seeds(
    seeds: list[int],
    train_one: Callable[[int, int, Any], RunOutcome[S]],
    *,
    describe: Callable[[S], str],
    setup: Callable[[int], Any] = lambda run: None,
) -> SeededRuns[S]:
    """Call ``train_one(run, seed, setup(run))`` for each seed and collect the outcomes.

    ``setup`` (e.g. drawing a run's edge split) is not counted in ``seconds``; ``describe(best)``
    is logged after each run. A ``KeyboardInterrupt`` after at least one finished run returns the
    finished runs with ``partial=True``; before that it propagates.
    """
    finished: list[tuple[int, S, list[S], dict[str, Tensor]]] = []
    seconds, partial = 0.0, False
    try:
        for run, seed in enumerate(seeds):
            prepared = setup(run)
            start = time.perf_counter()
            try:
                best, history, state = train_one(run, seed, prepared)
            finally:
                seconds += time.perf_counter() - start
            finished.append((seed, best, history, state))  # one step: recorded whole or not at all
            log.info("run %d (seed %d): %s", run + 1, seed, describe(best))
    except KeyboardInterrupt:
        if not finished:
            raise
        partial = True
        log.warning("interrupted: keeping %d finished run(s)", len(finished))
    return SeededRuns(
        seeds=[f[0] for f in finished],
        picked=[f[1] for f in finished],
        histories=[f[2] for f in finished],
        states=[f[3] for f in finished],
        seconds=seconds,
        partial=partial,
    )


Check = tuple[bool, str]  # (holds, the message if it does not)


def run_checks(*, epochs: int, runs: int, lr: float, seed: int) -> list[Check]:
    """The checks every seeded training config shares, for its ``validate()``."""
    return [
        (epochs >= 1, f"epochs must be at least 1, got {epochs}"),
        (runs >= 1, f"runs must be at least 1, got {runs}"),
        (runs <= MAX_RUNS, f"runs must be between 1 and {MAX_RUNS}, got {runs}"),
        (math.isfinite(lr) and lr > 0, f"lr must be a positive number, got {lr}"),
        (seed >= 0, f"seed must be >= 0, got {seed}"),
    ]


def raise_first_failure(checks: list[Check]) -> None:
    """Raise :class:`~gcnlab.errors.UsageError` with the message of the first check that fails."""
    for ok, message in checks:
        if not ok:
            raise UsageError(message)
