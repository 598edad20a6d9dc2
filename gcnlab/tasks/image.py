"""A small CNN written with message passing (GridConv, GridPool), trained on scikit-learn's digits.

``train_digits(DigitsConfig(...))`` splits the 1797 8×8 images 80/20 (stratified, seeded), carves a
validation set out of the training part, trains the same network with ``layer="gridconv"`` (graph
message passing) or ``layer="conv2d"`` (torch's layers) for each seed, and reports the test
accuracy at the epoch chosen by validation, never the best test epoch. Both layers start from the
same weights for the same seed (GridConv initializes as Conv2d does), so the two differ only in how
the convolution is computed.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.data.digits import DigitsSplit, load_digits_split
from gcnlab.errors import TrainingDiverged
from gcnlab.io.checkpoint import (
    Checkpoint,
    check_fingerprint,
    config_from,
    dataset_fingerprint,
    load_states,
)
from gcnlab.io.results import versions
from gcnlab.nn.digits_cnn import LAYERS, DigitsCNN
from gcnlab.tasks.loop import raise_first_failure, run_checks, run_seeds
from gcnlab.tasks.node import EpochStats
from gcnlab.utils.runtime import resolve_device, seed_everything
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)



@dataclass
class DigitsConfig:
    """Hyper-parameters of a digits run."""

    epochs: int = 100  # maximum passes over the training images per run
    batch_size: int = 64  # images per gradient step
    lr: float = 0.003  # Adam learning rate
    weight_decay: float = 0.0  # Adam's L2 on all weights
    dropout: float = 0.25  # before the classifier
    channels: int = 32  # width of the first convolution; the second has twice as many
    layer: str = "gridconv"  # gridconv (message passing) | conv2d (torch's layers)
    patience: int = 20  # stop after this many epochs without a better validation score; 0: off
    runs: int = 5  # seeded runs: seed, seed + 1, ...
    seed: int = 0  # first seed (initialization and batch order)
    split_seed: int = 0  # the test and validation splits; the same for every run
    test_fraction: float = 0.2  # of all 1797 images, stratified
    val_fraction: float = 0.1  # of the training part, stratified
    device: str = "auto"  # auto | cpu | cuda

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for out-of-range values."""
        checks = run_checks(epochs=self.epochs, runs=self.runs, lr=self.lr, seed=self.seed)
        checks += [
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (
                math.isfinite(self.weight_decay) and self.weight_decay >= 0,
                f"weight decay must be >= 0, got {self.weight_decay}",
            ),
            (0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.channels >= 1, f"channels must be at least 1, got {self.channels}"),
            (self.layer in LAYERS, f"layer must be one of {', '.join(LAYERS)}, got {self.layer!r}"),
            (self.patience >= 0, f"patience must be >= 0, got {self.patience}"),
            (self.split_seed >= 0, f"split seed must be >= 0, got {self.split_seed}"),
            (
                0.05 <= self.test_fraction <= 0.5,
                f"test fraction must be in [0.05, 0.5], got {self.test_fraction}",
            ),
            (
                0.05 <= self.val_fraction <= 0.5,
                f"validation fraction must be in [0.05, 0.5], got {self.val_fraction}",
            ),
        ]
        raise_first_failure(checks)


@dataclass
class DigitsResult:
    """The outcome of :func:`train_digits`; accuracies are fractions in [0, 1]."""

    dataset: str  # "digits"
    task: str  # "image"
    model: str  # "cnn-gridconv" or "cnn-conv2d"
    runs: int
    seeds: list[int]
    test_acc: list[float]  # per run, at the epoch chosen by validation
    test_acc_mean: float
    test_acc_std: float  # sample standard deviation over runs (0 for one run)
    val_acc: list[float]  # per run, at the chosen epoch
    best_epoch: list[int]  # per run, the chosen epoch
    epochs: list[int]  # per run, epochs trained
    seconds: float  # time in the training loops, all runs
    device: str
    config: dict
    num_parameters: int
    split_sizes: dict[str, int]  # images in train / val / test
    versions: dict = field(default_factory=dict)
    partial: bool = False  # True if interrupted: only the finished runs are included
    fingerprint: str = ""  # SHA-256 of the images, labels and split (gcnlab.io.checkpoint)
    history: list[list[EpochStats]] = field(default_factory=list, repr=False)
    # the first run's network at its chosen epoch, on the CPU (for plots; not written to JSON)
    trained: torch.nn.Module | None = field(default=None, repr=False, compare=False)
    # per run, the network's weights (on the CPU) at the chosen epoch; not written to JSON
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)


@torch.no_grad()
def _evaluate(model: DigitsCNN, data: DigitsSplit) -> Tensor:
    """[val_loss, train_acc, val_acc, test_acc] as one tensor (one host read per epoch)."""
    model.eval()
    logits = model(data.x)  # all 1797 images in one batch: [N, 10]
    pred = logits.argmax(dim=1)
    val = data.index["val"]
    accs = [
        (pred[i] == data.y[i]).float().mean()
        for i in (data.index["train"], val, data.index["test"])
    ]
    return torch.stack([F.cross_entropy(logits[val], data.y[val]), *accs])


def _train_epoch(
    model: DigitsCNN,
    data: DigitsSplit,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    generator: torch.Generator,
) -> float:
    """One pass over the training images in a seeded random order; the mean batch loss."""
    model.train()
    train = data.index["train"]
    order = train[torch.randperm(len(train), generator=generator).to(train.device)]
    total = 0.0
    for batch in order.split(batch_size):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data.x[batch]), data.y[batch])
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(batch)
    return float(total) / len(train)


def _train_run(
    data: DigitsSplit,
    config: DigitsConfig,
    run: int,
    seed: int,
    on_epoch: Callable[[EpochStats], None] | None,
) -> tuple[EpochStats, list[EpochStats], dict[str, Tensor]]:
    seed_everything(seed)
    model = DigitsCNN(config.channels, config.dropout, config.layer).to(data.x.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    best: EpochStats | None = None
    best_state: dict[str, Tensor] = {}
    history: list[EpochStats] = []
    for epoch in range(1, config.epochs + 1):
        # Step 1: one pass of mini-batch Adam over the training images
        loss = _train_epoch(model, data, optimizer, config.batch_size, generator)
        # Step 2: evaluate with dropout off
        val_loss, train_acc, val_acc, test_acc = _evaluate(model, data).tolist()
        stats = EpochStats(run, epoch, loss, train_acc, val_loss, val_acc, test_acc)
        if not (math.isfinite(loss) and math.isfinite(val_loss)):
            raise TrainingDiverged(
                f"training diverged at epoch {epoch} of run {run + 1} (loss "
                f"is {loss}); lower the learning rate (now {config.lr})"
            )
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
        # Step 3: keep the epoch validation prefers (ties: lower validation loss)
        if best is None or (val_acc, -val_loss) > (best.val_acc, -best.val_loss):
            best = stats
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        if config.patience and epoch - best.epoch >= config.patience:
            break
    assert best is not None
    return best, history, best_state


def train_digits(
    config: DigitsConfig | None = None, *, on_epoch: Callable[[EpochStats], None] | None = None
) -> DigitsResult:
    """Run ``config.runs`` seeded trainings of :class:`DigitsCNN` and return their result.

    Args:
        config: hyper-parameters (default: :class:`DigitsConfig`'s).
        on_epoch: called after every epoch of every run with its
            :class:`~gcnlab.tasks.node.EpochStats` (``loss`` is the epoch's mean
            training loss, the accuracies are measured with dropout off).

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or DigitsConfig()
    config.validate()
    device = resolve_device(config.device)
    data = load_digits_split(
        test_fraction=config.test_fraction, val_fraction=config.val_fraction,
        split_seed=config.split_seed, device=device,
    )

    runs = run_seeds(
        [config.seed + r for r in range(config.runs)],
        lambda run, seed, _: _train_run(data, config, run, seed, on_epoch),
        describe=lambda best: f"test accuracy {best.test_acc:.4f} at epoch {best.epoch}",
    )
    picked, histories = runs.picked, runs.histories
    trained = DigitsCNN(config.channels, config.dropout, config.layer)
    trained.load_state_dict(runs.states[0])  # the first run's network, for the figures
    trained.eval()
    accs = [s.test_acc for s in picked]
    mean, std = mean_std(accs)
    return DigitsResult(
        dataset="digits",
        task="image",
        model=f"cnn-{config.layer}",
        runs=len(picked),
        seeds=runs.seeds,
        test_acc=accs,
        test_acc_mean=mean,
        test_acc_std=std,
        val_acc=[s.val_acc for s in picked],
        best_epoch=[s.epoch for s in picked],
        epochs=[len(h) for h in histories],
        seconds=runs.seconds,
        device=str(device),
        config=dataclasses.asdict(config),
        num_parameters=sum(p.numel() for p in trained.parameters()),
        split_sizes={k: len(v) for k, v in data.index.items()},
        versions=versions(),
        partial=runs.partial,
        fingerprint=dataset_fingerprint(_split_tensors(data)),
        history=histories,
        trained=trained,
        states=runs.states,
    )


def _split_tensors(data: DigitsSplit) -> dict[str, Tensor]:
    """What the fingerprint covers: the images, the labels and the split."""
    return {"x": data.x, "y": data.y, **{f"{k}_index": v for k, v in data.index.items()}}


def evaluate_saved(
    checkpoint: Checkpoint, *, root: str | None = None, device: torch.device | str = "cpu"
) -> dict[str, list[float]]:
    """Test accuracy of every run saved in ``checkpoint`` (see :mod:`gcnlab.io.checkpoint`),
    recomputed as training measured it. ``root`` is ignored: the digits ship with
    scikit-learn."""
    config = config_from(DigitsConfig, checkpoint)
    data = load_digits_split(
        test_fraction=config.test_fraction, val_fraction=config.val_fraction,
        split_seed=config.split_seed, device=device,
    )
    check_fingerprint(
        checkpoint,
        _split_tensors(data),
        "this installation's split",
        "the images or the split differ (another scikit-learn version?)",
    )
    accs = []
    for run in range(len(checkpoint.states)):
        model = DigitsCNN(config.channels, config.dropout, config.layer)
        model = load_states(checkpoint, model, run).to(data.x.device)
        accs.append(_evaluate(model, data)[3].item())
    return {"test_acc": accs}
