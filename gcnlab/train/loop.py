"""The one training loop: seeded runs, epoch selection, early stopping, divergence, best weights.

Every task (node classification, link prediction, digits, and whatever comes next) is a small
class that says how to build its model, take one training step and measure one epoch; :func:`fit`
does the rest, the same way for all of them:

1. for each seed ``seed, seed + 1, ...``: the task prepares the run (``start_run``: e.g. a new
   edge split), then the seed is set and the model and optimizer are built;
2. each epoch: one training step (``train_epoch``), one evaluation with dropout off
   (``evaluate``); a loss that is NaN or infinite ends the run with :class:`TrainingDiverged`;
3. the task's :class:`Selection` keeps the epoch validation prefers (never the best test epoch)
   and its weights; its :class:`StopRule` may end the run early;
4. the result holds, per run, the stats of the chosen epoch, every epoch's stats and the weights.

Ctrl-C anywhere keeps the runs that finished (``partial=True``); before the first it propagates.
Adding a task means one module in :mod:`gcnlab.tasks` with a :class:`Task` subclass and a
``register_task`` call, plus its CLI command (``docs/architecture.md``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import torch
import torch.distributed as dist
from torch import Tensor

from gcnlab.errors import DataError, TrainingDiverged
from gcnlab.io.results import versions
from gcnlab.train import bounds
from gcnlab.train.config import (  # noqa: F401 (the loop's names, kept importable from here)
    Check,
    RunConfig,
    in_range,
    last_seed_check,
    one_of,
    positive,
    raise_first_failure,
    run_checks,
)
from gcnlab.train.graph_input import with_absolute_paths
from gcnlab.utils.distributed import check_same_data, rank_and_size
from gcnlab.utils.runtime import resolve_device, seed_everything

log = logging.getLogger(__name__)

MAX_RUNS = bounds.MAX_RUNS  # a typo like --runs 1000000000000 must not allocate 10^12 seeds

@dataclass
class EpochStats:
    """What one epoch measured; passed to ``on_epoch``. A task's stats add its metrics."""

    run: int  # 0-based run index
    epoch: int  # 1-based
    loss: float  # training loss

    # metric fields that must be finite, or the run diverged (``loss`` always is one)
    finite: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def metric_names(cls) -> list[str]:
        """The fields after ``loss``, in the order :meth:`Task.evaluate` returns them."""
        return [f.name for f in dataclasses.fields(cls)][3:]


S = TypeVar("S", bound=EpochStats)


@dataclass
class Selection(Generic[S]):
    """Which epoch of a run is reported: the one with the highest ``key`` (the first, on ties),
    or the last epoch when ``key`` is None. Keys read validation metrics only."""

    key: Callable[[S], tuple[float, ...]] | None
    describe: str

    def better(self, stats: S, best: S | None) -> bool:
        if best is None or self.key is None:
            return True
        return self.key(stats) > self.key(best)


class StopRule:
    """Early stopping: never, unless a subclass says so."""

    def should_stop(self, history: Sequence[EpochStats], best: EpochStats) -> bool:
        return False


@dataclass
class ValidationLossWindow(StopRule):
    """The original GCN code's rule: stop when the latest validation loss is above the mean of
    the ``patience`` before it (checked once more than ``patience + 1`` epochs have run);
    ``patience=0`` disables it."""

    patience: int

    def should_stop(self, history: Sequence[EpochStats], best: EpochStats) -> bool:
        return window_stop([s.val_loss for s in history], self.patience)  # type: ignore[attr-defined]


def window_stop(val_losses: list[float], patience: int) -> bool:
    """:class:`ValidationLossWindow`'s test on a list of validation losses."""
    if patience == 0 or len(val_losses) <= patience + 1:
        return False
    window = val_losses[-patience - 1 : -1]
    return val_losses[-1] > sum(window) / patience


@dataclass
class NoImprovement(StopRule):
    """Stop after ``patience`` epochs without a better selected epoch; 0 disables it."""

    patience: int

    def should_stop(self, history: Sequence[EpochStats], best: EpochStats) -> bool:
        return bool(self.patience) and history[-1].epoch - best.epoch >= self.patience


@dataclass(kw_only=True)
class RunResult:
    """The fields every task's result shares; a task's result adds its metrics."""

    task: str  # the task's registered name: node | link | image | ...
    model: str
    dataset: str
    runs: int  # finished runs
    seeds: list[int]
    best_epoch: list[int]  # per run, the epoch the selection chose
    epochs: list[int]  # per run, epochs trained
    seconds: float  # time in the training loops, all runs (set-up excluded)
    device: str
    config: dict
    versions: dict = field(default_factory=dict)
    partial: bool = False  # True if interrupted: only the finished runs are included
    fingerprint: str = ""  # SHA-256 of the data (gcnlab.io.checkpoint.dataset_fingerprint)
    processes: int = 1  # of the torchrun job that trained it (1: trained alone)
    backend: str | None = None  # of its process group (gloo, nccl); None: no group
    # how each epoch was cut into steps (Task.batch_plan): {"kind": "full"}, "clusters" with
    # parts and clusters_per_batch, "edges" with batch_size
    batch_plan: dict = field(default_factory=lambda: {"kind": "full"})
    history: list[list[Any]] = field(default_factory=list, repr=False)  # every epoch, per run
    # per run, the model's weights (on the CPU) at the chosen epoch; not written to JSON
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)


C = TypeVar("C", bound=RunConfig)


class Task(Generic[C, S]):
    """One kind of training, prepared on one device. Subclasses set the class attributes and
    implement the methods that raise ``NotImplementedError``."""

    name: ClassVar[str]  # written into results and checkpoints; dispatch key
    config_type: ClassVar[type[RunConfig]]
    stats_type: ClassVar[type[EpochStats]]
    result_type: ClassVar[type[RunResult]]
    test_metrics: ClassVar[tuple[str, ...]]  # result fields recomputed by `gcnlab evaluate`
    # what to do when saved weights meet other data than they were trained on
    data_hint: ClassVar[str] = "point --root at the data it was trained on"

    def __init__(self, config: C, device: torch.device) -> None:
        self.config = config
        self.device = device

    # -- what a task must say ------------------------------------------------------------
    @classmethod
    def prepare(cls, config: C, device: torch.device, root: str | None = None) -> Task[C, S]:
        """Load and prepare the data on ``device`` (``root`` overrides the config's)."""
        raise NotImplementedError

    @property
    def model_name(self) -> str:
        raise NotImplementedError

    @property
    def dataset(self) -> str:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """The data's fingerprint, for checkpoints."""
        raise NotImplementedError

    def data_source(self) -> str:
        """Where the data came from, for messages (e.g. ``the data root ./datasets``)."""
        raise NotImplementedError

    def make_model(self) -> torch.nn.Module:
        """A fresh model, on the current default device (the loop moves it)."""
        raise NotImplementedError

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        """One epoch of training; returns the loss (a 0-d tensor or a float)."""
        raise NotImplementedError

    def evaluate(self, model: torch.nn.Module) -> Tensor:
        """The epoch's metrics as one 1-d tensor, in ``stats_type.metric_names()`` order."""
        raise NotImplementedError

    def selection(self) -> Selection[S]:
        raise NotImplementedError

    def summarize(self, picked: list[S]) -> dict[str, Any]:
        """The task's result fields from each run's chosen epoch."""
        raise NotImplementedError

    # -- what a task may change ----------------------------------------------------------
    def build_model(self) -> torch.nn.Module:
        """A fresh model on the task's device (called right after seeding)."""
        return self.make_model().to(self.device)

    def optimizer(self, model: torch.nn.Module) -> torch.optim.Optimizer:
        return torch.optim.Adam(model.parameters(), lr=self.config.lr)

    def stop_rule(self) -> StopRule:
        return StopRule()

    def start_run(self, run: int, seed: int) -> None:
        """Before seeding run ``run``: e.g. draw its split. Not timed."""

    def seed_run(self, seed: int) -> None:
        """Seed the run; after this come the model and the optimizer."""
        seed_everything(seed)

    def extras(self, runs: SeededRuns[S]) -> dict[str, Any]:
        """Result fields that depend on the data or the runs' weights, not on the stats."""
        return {}

    def batch_plan(self) -> dict[str, Any]:
        """How each epoch is cut into training steps, for results: ``{"kind": "full"}`` (one
        step on all the data) unless the task trains on mini-batches."""
        return {"kind": "full"}

    def describe(self, best: S) -> str:
        """One line on a finished run, for the log."""
        return f"epoch {best.epoch}"

    def test_values(self, row: Tensor) -> dict[str, float]:
        """The test metrics of an evaluation row, by result field name (for checkpoints)."""
        values = dict(zip(self.stats_type.metric_names(), row.tolist(), strict=True))
        return {name: values[f"test_{name}" if f"test_{name}" in values else name]
                for name in self.test_metrics}


def _check_finite(stats: EpochStats, lr: float) -> None:
    names = ("loss", *stats.finite)
    bad = [f"{n} is {getattr(stats, n)}" for n in names if not math.isfinite(getattr(stats, n))]
    if bad:
        raise TrainingDiverged(
            f"training diverged at epoch {stats.epoch} of run {stats.run + 1} "
            f"({', '.join(bad)}); lower the learning rate (now {lr})"
        )


def train_run(
    task: Task[C, S], run: int, seed: int, on_epoch: Callable[[S], None] | None = None
) -> tuple[S, list[S], dict[str, Tensor]]:
    """One seeded run: ``(the chosen epoch's stats, every epoch's stats, its weights on the
    CPU)``."""
    config = task.config
    task.seed_run(seed)
    model = task.build_model()
    optimizer = task.optimizer(model)
    selection, stop = task.selection(), task.stop_rule()
    best: S | None = None
    best_state: dict[str, Tensor] = {}
    history: list[S] = []
    for epoch in range(1, config.epochs + 1):
        # Step 1: one epoch of training
        model.train()
        loss = task.train_epoch(model, optimizer)
        # Step 2: measure with dropout off (one host read of the whole row)
        model.eval()
        row = task.evaluate(model).tolist()
        stats = task.stats_type(run, epoch, float(loss), *row)
        _check_finite(stats, config.lr)
        history.append(stats)  # type: ignore[arg-type]
        if on_epoch is not None:
            on_epoch(stats)  # type: ignore[arg-type]
        # Step 3: keep the epoch validation prefers, and its weights; maybe stop early
        if selection.better(stats, best):  # type: ignore[arg-type]
            best = stats  # type: ignore[assignment]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        assert best is not None
        if stop.should_stop(history, best):
            break
    assert best is not None
    return best, history, {k: v.cpu() for k, v in best_state.items()}


@dataclass
class SeededRuns(Generic[S]):
    """What :func:`run_seeds` returns: the finished runs, in order."""

    seeds: list[int] = field(default_factory=list)
    picked: list[S] = field(default_factory=list)  # the chosen epoch of each run
    histories: list[list[S]] = field(default_factory=list)  # every epoch of each run
    states: list[dict[str, Tensor]] = field(default_factory=list)  # weights at the chosen epoch
    seconds: float = 0.0  # time in the training calls, all runs (set-up excluded)
    partial: bool = False  # True if interrupted: only the finished runs are here


RunOutcome = tuple[S, list[S], dict[str, Tensor]]  # (chosen epoch, all epochs, its weights)


def run_seeds(
    seeds: list[int],
    train_one: Callable[[int, int, Any], RunOutcome[S]],
    *,
    describe: Callable[[S], str],
    setup: Callable[[int], Any] = lambda run: None,
) -> SeededRuns[S]:
    """Call ``train_one(run, seed, setup(run))`` for each seed and collect the outcomes.

    ``setup`` is not counted in ``seconds``; ``describe(best)`` is logged after each run. A
    ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
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


def fit(
    task_type: type[Task[C, S]],
    config: C,
    *,
    on_epoch: Callable[[S], None] | None = None,
    on_ready: Callable[[Task[C, S]], None] | None = None,
) -> Any:
    """Validate ``config``, prepare the task once, run every seed and return the task's result.

    Args:
        task_type: the :class:`Task` subclass.
        config: its config (``task_type.config_type``).
        on_epoch: called after every epoch of every run with the task's :class:`EpochStats`.
        on_ready: called with the prepared task (its data loaded) before the first epoch: where
            a caller checks inputs that need the data (node ids in a pairs file).
    """
    config.validate()
    config = with_absolute_paths(config)  # the record reloads from any folder
    device = resolve_device(config.device)
    task = task_type.prepare(config, device)
    fingerprint = task.fingerprint()
    check_same_data(fingerprint, task.data_source())  # under torchrun: every process alike
    if on_ready is not None:
        on_ready(task)
    seeds = [config.seed + r for r in range(config.runs)]
    runs = run_seeds(
        seeds,
        lambda run, seed, _: train_run(task, run, seed, on_epoch),
        describe=task.describe,
        setup=lambda run: task.start_run(run, seeds[run]),
    )
    if not runs.picked:  # pragma: no cover - run_seeds raises before this
        raise DataError("no run finished")
    world = rank_and_size()[1]
    return task.result_type(
        task=task.name,
        model=task.model_name,
        dataset=task.dataset,
        runs=len(runs.picked),
        seeds=runs.seeds,
        best_epoch=[s.epoch for s in runs.picked],
        epochs=[len(h) for h in runs.histories],
        seconds=runs.seconds,
        device=str(device),
        config=dataclasses.asdict(config),
        versions=versions(),
        partial=runs.partial,
        fingerprint=fingerprint,
        processes=world,
        backend=dist.get_backend() if world > 1 else None,
        batch_plan=task.batch_plan(),
        history=runs.histories,
        states=runs.states,
        **task.summarize(runs.picked),
        **task.extras(runs),
    )
