"""What every training config shares, without torch: :class:`RunConfig` (epochs, learning rate,
seeded runs, device) and the checks the configs' ``validate()`` are made of.

The configs and their checks import nothing heavy, so the command line can build its options from
them (:mod:`gcnlab.cli.derive`) and ``--help`` still answers at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gcnlab.errors import UsageError
from gcnlab.train import bounds
from gcnlab.utils.runtime import DEVICES
from gcnlab.utils.settings import option

SEED_HELP = "First seed; run i uses seed + i (every seed at most 2**32 - 1)."

Check = tuple[bool, str]  # (holds, the message if it does not)


def raise_first_failure(checks: list[Check]) -> None:
    """Raise :class:`~gcnlab.errors.UsageError` with the message of the first check that fails."""
    for ok, message in checks:
        if not ok:
            raise UsageError(message)


def positive(name: str, value: float, limit: float) -> Check:
    """``0 < value <= limit`` and finite."""
    return (
        math.isfinite(value) and 0 < value <= limit,
        f"{name} must be a positive number up to {limit:g}, got {value}",
    )


def in_range(name: str, value: int, low: int, high: int) -> Check:
    """``low <= value <= high`` for a whole number."""
    return (low <= value <= high, f"{name} must be between {low} and {high}, got {value}")


def one_of(name: str, value: str, choices: Sequence[str]) -> Check:
    """``value`` is one of ``choices`` (a config's named option)."""
    return (value in choices, f"{name} must be one of {', '.join(choices)}, got {value!r}")


def run_checks(*, epochs: int, runs: int, lr: float, seed: int) -> list[Check]:
    """The checks every seeded training config shares (bounds in :mod:`gcnlab.train.bounds`)."""
    return [
        in_range("epochs", epochs, 1, bounds.MAX_EPOCHS),
        in_range("runs", runs, 1, bounds.MAX_RUNS),
        positive("lr", lr, bounds.MAX_LR),
        in_range("seed", seed, 0, bounds.MAX_SEED),
        last_seed_check(seed, runs),
    ]


def last_seed_check(seed: int, runs: int) -> Check:
    """Every run's seed (``seed + i``) must stay within :data:`~gcnlab.train.bounds.MAX_SEED`."""
    last = seed + runs - 1
    return (last <= bounds.MAX_SEED, f"the last run's seed, seed + runs - 1 = {last}, is above "
            f"{bounds.MAX_SEED}; lower the seed or the number of runs")


@dataclass(kw_only=True)
class RunConfig:
    """The fields every training config shares; each task's config extends it."""

    epochs: int = option(200, "Maximum epochs per run.", min=1, max=bounds.MAX_EPOCHS)
    lr: float = option(0.01, "Adam learning rate (> 0).", guard=bounds.MAX_LR)
    runs: int = option(10, "Number of seeded runs.", min=1, max=bounds.MAX_RUNS)  # seed, seed + 1..
    seed: int = option(0, SEED_HELP, min=0, max=bounds.MAX_SEED)  # first seed
    # the library also takes cuda:N; the command line leaves the GPU to CUDA_VISIBLE_DEVICES
    device: str = option("auto", "Where to train.", choices=DEVICES)

    def checks(self) -> list[Check]:
        """This config's range checks; a task's config adds its own to these."""
        return run_checks(epochs=self.epochs, runs=self.runs, lr=self.lr, seed=self.seed)

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for the first out-of-range value."""
        raise_first_failure(self.checks())
