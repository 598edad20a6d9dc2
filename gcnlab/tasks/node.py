"""Semi-supervised node classification with a GCN: one function that does the paper's protocol.

``train_node(NodeConfig(...))`` loads the dataset, then for each seed trains the two-layer GCN with
Adam, evaluates on the validation set after every epoch, stops early as the original code does,
and reports the test accuracy at the epoch chosen by validation (never the best test epoch).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.datasets import check_name, load_dataset, resolve_root
from gcnlab.data.validate import validate_graph
from gcnlab.errors import TrainingDiverged
from gcnlab.io.checkpoint import (
    Checkpoint,
    check_fingerprint,
    config_from,
    dataset_fingerprint,
    load_states,
)
from gcnlab.io.results import versions
from gcnlab.nn.models import GCN
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.tasks.loop import raise_first_failure, run_checks, run_seeds
from gcnlab.utils.runtime import resolve_device, seed_everything
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

Select = Literal["val_acc", "val_loss", "last"]
SELECTS: tuple[str, ...] = ("val_acc", "val_loss", "last")


@dataclass
class NodeConfig:
    """Hyper-parameters of a node-classification run; defaults are the paper's."""

    dataset: str = "cora"  # cora | citeseer | pubmed | karate
    epochs: int = 200  # maximum epochs per run
    hidden: int = 16  # hidden units
    lr: float = 0.01  # Adam learning rate
    dropout: float = 0.5  # before each layer; on sparse features, the non-zeros only
    weight_decay: float = 5e-4  # L2 on the first layer's weights only, as in the paper
    patience: int = 10  # early stopping: after this many epochs, stop when the validation loss
    # exceeds the mean of the previous `patience` (the original code's rule); 0 disables it
    runs: int = 10  # seeded runs: seed, seed + 1, ...
    seed: int = 0  # first seed
    device: str = "auto"  # auto | cpu | cuda
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)
    bias: bool = False  # the paper's model has no bias
    sparse_features: bool = True  # keep features sparse (CSR) as the original code does
    select: str = "val_acc"  # epoch whose test accuracy is reported: best val_acc (ties: lower
    # val loss), lowest val_loss, or last (where early stopping ended the run, as the original)

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for out-of-range values."""
        check_name(self.dataset)
        checks = run_checks(epochs=self.epochs, runs=self.runs, lr=self.lr, seed=self.seed)
        checks += [
            (self.hidden >= 1, f"hidden must be at least 1, got {self.hidden}"),
            (0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}"),
            (
                math.isfinite(self.weight_decay) and self.weight_decay >= 0,
                f"weight decay must be >= 0, got {self.weight_decay}",
            ),
            (self.patience >= 0, f"patience must be >= 0, got {self.patience}"),
            (
                self.select in SELECTS,
                f"select must be one of {', '.join(SELECTS)}, got {self.select!r}",
            ),
        ]
        raise_first_failure(checks)


@dataclass
class EpochStats:
    """What one epoch measured; passed to ``on_epoch``."""

    run: int  # 0-based run index
    epoch: int  # 1-based
    loss: float  # training loss (cross-entropy on the labelled nodes)
    train_acc: float
    val_loss: float
    val_acc: float
    test_acc: float


@dataclass
class NodeResult:
    """The outcome of :func:`train_node`; accuracies are fractions in [0, 1]."""

    dataset: str
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
    versions: dict = field(default_factory=dict)
    task: str = "node"
    model: str = "gcn"
    partial: bool = False  # True if interrupted: only the finished runs are included
    fingerprint: str = ""  # SHA-256 of the dataset's tensors (gcnlab.io.checkpoint)
    history: list[list[EpochStats]] = field(default_factory=list, repr=False)
    # per run, the model's weights (on the CPU) at the chosen epoch; not written to JSON
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)


@dataclass
class _Graph:
    """One dataset on one device, in the form training uses."""

    x: Tensor | SparseMatrix
    adj: SparseMatrix  # normalized Â^T, shared by both layers and all runs
    y: Tensor
    index: dict[str, Tensor]  # node ids of train / val / test
    num_features: int
    num_classes: int


def _prepare(data, config: NodeConfig, device: torch.device) -> _Graph:
    validate_graph(data)  # once per graph, before anything is built from it
    adj = normalized_adjacency(data.edge_index, num_nodes=data.num_nodes).to(device)
    x = SparseMatrix.from_tensor(data.x) if config.sparse_features else data.x
    x = x.to(device)
    index = {k: data[f"{k}_mask"].nonzero().view(-1).to(device) for k in ("train", "val", "test")}
    return _Graph(x, adj, data.y.to(device), index, data.x.size(1), data.num_classes)


def _model(g: _Graph, config: NodeConfig) -> GCN:
    return GCN(
        g.num_features, config.hidden, g.num_classes, dropout=config.dropout, bias=config.bias
    ).to(g.y.device)


def _optimizer(model: GCN, config: NodeConfig) -> torch.optim.Optimizer:
    # L2 on the first layer only (the paper's choice); Adam's coupled weight_decay gives the same
    # gradient as adding weight_decay/2 * ||W||^2 to the loss, as the original code does.
    return torch.optim.Adam(
        [
            {"params": model.conv1.parameters(), "weight_decay": config.weight_decay},
            {"params": model.conv2.parameters(), "weight_decay": 0.0},
        ],
        lr=config.lr,
    )


@torch.no_grad()
def _evaluate(model: GCN, g: _Graph) -> Tensor:
    """[val_loss, train_acc, val_acc, test_acc] as one tensor (one host read per epoch)."""
    model.eval()
    logits = model(g.x, g.adj)
    pred = logits.argmax(dim=1)
    val = g.index["val"]
    accs = [(pred[i] == g.y[i]).float().mean() for i in (g.index["train"], val, g.index["test"])]
    return torch.stack([F.cross_entropy(logits[val], g.y[val]), *accs])


def _should_stop(val_losses: list[float], patience: int) -> bool:
    """The original GCN code's rule: stop when the latest validation loss is above the mean of
    the ``patience`` before it (checked once more than ``patience`` + 1 epochs have run)."""
    if patience == 0 or len(val_losses) <= patience + 1:
        return False
    window = val_losses[-patience - 1 : -1]
    return val_losses[-1] > sum(window) / patience


def _better(stats: EpochStats, best: EpochStats | None, select: str) -> bool:
    if best is None or select == "last":
        return True
    if select == "val_loss":
        return stats.val_loss < best.val_loss
    return (stats.val_acc, -stats.val_loss) > (best.val_acc, -best.val_loss)


def _train_run(
    g: _Graph,
    config: NodeConfig,
    run: int,
    seed: int,
    on_epoch: Callable[[EpochStats], None] | None,
) -> tuple[EpochStats, list[EpochStats], dict[str, Tensor]]:
    seed_everything(seed)
    model = _model(g, config)
    optimizer = _optimizer(model, config)
    train = g.index["train"]
    best: EpochStats | None = None
    best_state: dict[str, Tensor] = {}
    history: list[EpochStats] = []
    for epoch in range(1, config.epochs + 1):
        # Step 1: one full-batch gradient step on the labelled nodes
        model.train()
        optimizer.zero_grad()
        logits = model(g.x, g.adj)  # [N, C]
        loss = F.cross_entropy(logits[train], g.y[train])
        loss.backward()
        optimizer.step()
        # Step 2: evaluate with dropout off
        val_loss, train_acc, val_acc, test_acc = _evaluate(model, g).tolist()
        stats = EpochStats(run, epoch, loss.item(), train_acc, val_loss, val_acc, test_acc)
        bad = [
            f"{name} is {value}"
            for name, value in (("training loss", stats.loss), ("validation loss", val_loss))
            if not math.isfinite(value)
        ]
        if bad:
            raise TrainingDiverged(
                f"training diverged at epoch {epoch} of run {run + 1} ({', '.join(bad)}); "
                f"lower the learning rate (now {config.lr})"
            )
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
        # Step 3: keep the epoch validation prefers; stop early as the original code does
        if _better(stats, best, config.select):
            best = stats
            # the weights behind the reported numbers, for checkpoints (a few small tensors)
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if _should_stop([s.val_loss for s in history], config.patience):
            break
    assert best is not None
    return best, history, {k: v.cpu() for k, v in best_state.items()}


def train_node(
    config: NodeConfig | None = None, *, on_epoch: Callable[[EpochStats], None] | None = None
) -> NodeResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's, on Cora).
        on_epoch: called after every epoch of every run with its :class:`EpochStats`.

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or NodeConfig()
    config.validate()
    device = resolve_device(config.device)
    data = load_dataset(config.dataset, config.root)
    g = _prepare(data, config, device)

    runs = run_seeds(
        [config.seed + r for r in range(config.runs)],
        lambda run, seed, _: _train_run(g, config, run, seed, on_epoch),
        describe=lambda best: f"test accuracy {best.test_acc:.4f} at epoch {best.epoch}",
    )
    picked, histories = runs.picked, runs.histories
    accs = [s.test_acc for s in picked]
    mean, std = mean_std(accs)
    return NodeResult(
        dataset=config.dataset.lower(),
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
        versions=versions(),
        partial=runs.partial,
        fingerprint=dataset_fingerprint(data),
        history=histories,
        states=runs.states,
    )


def _saved_graph(
    checkpoint: Checkpoint, root: str | None, device: torch.device
) -> tuple[NodeConfig, _Graph]:
    config = config_from(NodeConfig, checkpoint, root=root)
    data = load_dataset(config.dataset, config.root)
    check_fingerprint(checkpoint, data, f"the data root {resolve_root(config.root)}")
    return config, _prepare(data, config, device)


def evaluate_saved(
    checkpoint: Checkpoint, *, root: str | None = None, device: torch.device | str = "cpu"
) -> dict[str, list[float]]:
    """Test accuracy of every run saved in ``checkpoint`` (see :mod:`gcnlab.io.checkpoint`),
    recomputed on the dataset under ``root`` (default: the run's data root)."""
    config, g = _saved_graph(checkpoint, root, torch.device(device))
    accs = []
    for run in range(len(checkpoint.states)):
        model = load_states(checkpoint, _model(g, config), run)
        accs.append(_evaluate(model, g)[3].item())
    return {"test_acc": accs}


@torch.no_grad()
def embed_nodes(
    config: NodeConfig, data: Data, state: dict[str, Tensor], device: torch.device | str = "cpu"
) -> Tensor:
    """The hidden layer ``[N, hidden]`` (after the ReLU, dropout off) of the GCN with weights
    ``state``, on every node of ``data``: what the GCN paper draws with t-SNE."""
    g = _prepare(data, config, torch.device(device))
    model = _model(g, config)
    model.load_state_dict(state)
    model.eval()
    return model.embed(g.x, g.adj).cpu()
