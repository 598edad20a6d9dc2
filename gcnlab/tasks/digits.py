"""A small CNN written with message passing (GridConv, GridPool), trained on scikit-learn's digits.

``train_digits(DigitsConfig(...))`` splits the 1797 8×8 images 80/20 (stratified, seeded), carves a
validation set out of the training part, trains the same network with ``layer="gridconv"`` (graph
message passing) or ``layer="conv2d"`` (torch's layers) for each seed, and reports the test
accuracy at the epoch chosen by validation, never the best test epoch. Both layers start from the
same weights for the same seed (GridConv initializes as Conv2d does), so the two differ only in how
the convolution is computed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.data.digits import DigitsSplit, load_digits_split
from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.nn.digits_cnn import DigitsCNN, DigitsConvStack
from gcnlab.tasks.digits_config import DigitsConfig  # noqa: F401 (kept importable from here)
from gcnlab.tasks.node import (
    ClassifierResult,
    ClassifierStats,
    classifier_metrics,
    classifier_summary,
)
from gcnlab.train.loop import (
    NoImprovement,
    SeededRuns,
    Selection,
    StopRule,
    Task,
    fit,
)
from gcnlab.utils.runtime import seed_everything

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class DigitsResult(ClassifierResult):
    """The outcome of :func:`train_digits`; accuracies are fractions in [0, 1]."""

    task: str = "image"
    num_parameters: int
    split_sizes: dict[str, int]  # images in train / val / test
    # the first run's network at its chosen epoch, on the CPU (for plots; not written to JSON)
    trained: torch.nn.Module | None = field(default=None, repr=False, compare=False)


def split_tensors(data: DigitsSplit) -> dict[str, Tensor]:
    """What the fingerprint covers: the images, the labels and the split."""
    return {"x": data.x, "y": data.y, **{f"{k}_index": v for k, v in data.index.items()}}


class DigitsTask(Task[DigitsConfig, ClassifierStats]):
    """Image classification of scikit-learn's digits with :class:`~gcnlab.DigitsCNN`."""

    name = "image"
    config_type = DigitsConfig
    stats_type = ClassifierStats
    result_type = DigitsResult
    test_metrics = ("test_acc",)
    data_hint = "the images or the split differ (another scikit-learn version?)"

    def __init__(self, config: DigitsConfig, device: torch.device) -> None:
        super().__init__(config, device)
        self.data = load_digits_split(
            test_fraction=config.test_fraction,
            val_fraction=config.val_fraction,
            split_seed=config.split_seed,
            device=device,
        )
        self.generator = torch.Generator()

    @classmethod
    def prepare(
        cls, config: DigitsConfig, device: torch.device, root: str | None = None
    ) -> DigitsTask:
        return cls(config, device)  # the digits ship with scikit-learn: no data root

    @property
    def model_name(self) -> str:
        c = self.config
        return f"stack{c.stack}-{c.layer}" if c.stack else f"cnn-{c.layer}"

    @property
    def dataset(self) -> str:
        return "digits"

    def fingerprint(self) -> str:
        return dataset_fingerprint(split_tensors(self.data))

    def data_source(self) -> str:
        return "this installation's split"

    def seed_run(self, seed: int) -> None:
        seed_everything(seed)
        self.generator = torch.Generator().manual_seed(seed)  # the batch order

    def make_model(self) -> DigitsCNN | DigitsConvStack:
        c = self.config
        if c.stack:
            return DigitsConvStack(c.stack, c.channels, c.dropout, c.layer)
        return DigitsCNN(c.channels, c.dropout, c.layer)

    def optimizer(self, model: torch.nn.Module) -> torch.optim.Optimizer:
        c = self.config
        return torch.optim.Adam(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)

    def batch_plan(self) -> dict[str, Any]:
        return {"kind": "images", "batch_size": self.config.batch_size}

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> float:
        """One pass of mini-batch Adam over the training images in a seeded random order; the
        mean batch loss."""
        data, train = self.data, self.data.index["train"]
        order = train[torch.randperm(len(train), generator=self.generator).to(train.device)]
        total = 0.0
        for batch in order.split(self.config.batch_size):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data.x[batch]), data.y[batch])
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(batch)
        return float(total) / len(train)

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> Tensor:
        # all 1797 images in one batch: [N, 10]
        return classifier_metrics(model(self.data.x), self.data.y, self.data.index)

    def selection(self) -> Selection:
        return Selection(lambda s: (s.val_acc, -s.val_loss), "best validation accuracy")

    def stop_rule(self) -> StopRule:
        return NoImprovement(self.config.patience)

    def summarize(self, picked: list[ClassifierStats]) -> dict[str, Any]:
        return classifier_summary(picked)

    def extras(self, runs: SeededRuns) -> dict[str, Any]:
        trained = self.make_model()
        trained.load_state_dict(runs.states[0])  # the first run's network, for the figures
        trained.eval()
        return {
            "num_parameters": sum(p.numel() for p in trained.parameters()),
            "split_sizes": {k: len(v) for k, v in self.data.index.items()},
            "trained": trained,
        }

    def describe(self, best: ClassifierStats) -> str:
        return f"test accuracy {best.test_acc:.4f} at epoch {best.epoch}"


def train_digits(
    config: DigitsConfig | None = None,
    *,
    on_epoch: Callable[[ClassifierStats], None] | None = None,
) -> DigitsResult:
    """Run ``config.runs`` seeded trainings of :class:`DigitsCNN` and return their result.

    Args:
        config: hyper-parameters (default: :class:`DigitsConfig`'s).
        on_epoch: called after every epoch of every run with its
            :class:`~gcnlab.ClassifierStats` (``loss`` is the epoch's mean training loss, the
            accuracies are measured with dropout off).

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    return fit(DigitsTask, config or DigitsConfig(), on_epoch=on_epoch)
