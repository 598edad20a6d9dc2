"""Semi-supervised node classification with a GCN: the paper's protocol as a task of the loop.

``train_node(NodeConfig(...))`` loads the dataset, then for each seed trains the two-layer GCN with
Adam, evaluates on the validation set after every epoch, stops early as the original code does,
and reports the test accuracy at the epoch chosen by validation (never the best test epoch).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.datasets import check_name
from gcnlab.data.validate import validate_graph
from gcnlab.nn.deep_gcn import PropagationGCN
from gcnlab.nn.models import GCN
from gcnlab.nn.propagation import Propagation, propagation_operator
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.tasks import bounds
from gcnlab.tasks.graph import GraphTask
from gcnlab.tasks.loop import EpochStats as BaseEpochStats
from gcnlab.tasks.loop import (
    RunConfig,
    RunResult,
    Selection,
    StopRule,
    ValidationLossWindow,
    fit,
    in_range,
)
from gcnlab.tasks.registry import register_task
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

# the reported epoch: best validation accuracy (ties: lower validation loss), lowest validation
# loss, or the last (where early stopping ended the run, as the original code reports)
SELECTIONS: dict[str, Selection] = {
    "val_acc": Selection(lambda s: (s.val_acc, -s.val_loss), "best validation accuracy"),
    "val_loss": Selection(lambda s: (-s.val_loss,), "lowest validation loss"),
    "last": Selection(None, "last epoch"),
}
SELECTS: tuple[str, ...] = tuple(SELECTIONS)
PROPAGATIONS: tuple[str, ...] = tuple(p.value for p in Propagation)  # the GCN paper's Table 3


@dataclass(kw_only=True)
class NodeConfig(RunConfig):
    """Hyper-parameters of a node-classification run; defaults are the paper's."""

    dataset: str = "cora"  # cora | citeseer | pubmed | karate
    hidden: int = 16  # hidden units
    dropout: float = 0.5  # before each layer; on sparse features, the non-zeros only
    weight_decay: float = 5e-4  # L2 on the first layer's weights only, as in the paper
    patience: int = 10  # early stopping: after this many epochs, stop when the validation loss
    # exceeds the mean of the previous `patience` (the original code's rule); 0 disables it
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)
    bias: bool = False  # the paper's model has no bias
    sparse_features: bool = True  # keep features sparse (CSR) as the original code does
    select: str = "val_acc"  # the reported epoch: val_acc | val_loss | last (SELECTIONS)
    propagation: str = "renormalization"  # the propagation model, PROPAGATIONS (Table 3)
    layers: int = 2  # number of layers (the paper's Appendix B: 1 to 10)
    residual: bool = False  # residual connections between hidden layers (Appendix B)

    def checks(self) -> list:
        check_name(self.dataset)
        return super().checks() + classifier_checks(self) + [
            in_range("patience", self.patience, 0, bounds.MAX_EPOCHS),
            (self.select in SELECTS,
             f"select must be one of {', '.join(SELECTS)}, got {self.select!r}"),
            (self.propagation in PROPAGATIONS,
             f"propagation must be one of {', '.join(PROPAGATIONS)}, got {self.propagation!r}"),
            in_range("layers", self.layers, 1, bounds.MAX_LAYERS),
        ]

    @property
    def is_paper_gcn(self) -> bool:
        """The two-layer GCN of the paper's Table 2 (:class:`~gcnlab.GCN`)."""
        return self.propagation == "renormalization" and self.layers == 2 and not self.residual


def classifier_checks(config: Any) -> list:
    """Checks of ``hidden``, ``dropout`` and ``weight_decay``, shared by the classifiers."""
    width = getattr(config, "hidden", getattr(config, "channels", 1))
    return [
        in_range("hidden", width, 1, bounds.MAX_HIDDEN),
        (0.0 <= config.dropout < bounds.MAX_DROPOUT,
         f"dropout must be in [0, 1), got {config.dropout}"),
        (0.0 <= config.weight_decay <= bounds.MAX_WEIGHT_DECAY,
         f"weight decay must be between 0 and {bounds.MAX_WEIGHT_DECAY:g}, "
         f"got {config.weight_decay}"),
    ]


@dataclass
class ClassifierStats(BaseEpochStats):
    """One epoch of a classifier (node classification, digits). Accuracies are fractions."""

    train_acc: float
    val_loss: float
    val_acc: float
    test_acc: float

    finite: ClassVar[tuple[str, ...]] = ("val_loss",)


EpochStats = ClassifierStats  # its public name since gcnlab 0.1


@dataclass(kw_only=True)
class ClassifierResult(RunResult):
    """The result fields of a classifier; accuracies are fractions in [0, 1]."""

    test_acc: list[float]  # per run, at the epoch chosen by validation
    test_acc_mean: float
    test_acc_std: float  # sample standard deviation over runs (0 for one run)
    val_acc: list[float]  # per run, at the chosen epoch


@dataclass(kw_only=True)
class NodeResult(ClassifierResult):
    """The outcome of :func:`train_node`."""

    task: str = "node"


def classifier_summary(picked: list[ClassifierStats]) -> dict[str, Any]:
    """The result fields of a classifier from each run's chosen epoch."""
    accs = [s.test_acc for s in picked]
    mean, std = mean_std(accs)
    return {"test_acc": accs, "test_acc_mean": mean, "test_acc_std": std,
            "val_acc": [s.val_acc for s in picked]}


@torch.no_grad()
def classifier_metrics(logits: Tensor, y: Tensor, index: dict[str, Tensor]) -> Tensor:
    """``[train_acc, val_loss, val_acc, test_acc]`` as one tensor (one host read per epoch)."""
    pred = logits.argmax(dim=1)
    val = index["val"]
    accs = [(pred[i] == y[i]).float().mean() for i in (index["train"], val, index["test"])]
    return torch.stack([accs[0], F.cross_entropy(logits[val], y[val]), accs[1], accs[2]])


@register_task
class NodeTask(GraphTask):
    """The GCN paper's node classification on one graph, full batch."""

    name = "node"
    config_type = NodeConfig
    stats_type = ClassifierStats
    result_type = NodeResult
    test_metrics = ("test_acc",)

    def __init__(self, config: NodeConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        validate_graph(data)  # once per graph, before anything is built from it
        # the propagation's operator (normalized Â^T for the GCN), shared by all layers and runs:
        # [N, N], or None for the MLP
        adj = propagation_operator(config.propagation, data.edge_index, num_nodes=data.num_nodes)
        self.adj = None if adj is None else adj.to(device)
        x = SparseMatrix.from_tensor(data.x) if config.sparse_features else data.x
        self.x = x.to(device)  # [N, F]
        self.y = data.y.to(device)  # [N]
        self.index = {k: data[f"{k}_mask"].nonzero().view(-1).to(device)
                      for k in ("train", "val", "test")}

    @property
    def model_name(self) -> str:
        c = self.config
        if c.is_paper_gcn:
            return "gcn"
        name = "gcn" if c.propagation == "renormalization" else c.propagation
        if c.layers != 2 or c.residual:
            name += f"-{c.layers}-layers" + ("-residual" if c.residual else "")
        return name

    @property
    def dataset(self) -> str:
        return self.config.dataset.lower()

    def make_model(self) -> GCN | PropagationGCN:
        c = self.config
        if c.is_paper_gcn:
            return GCN(self.data.x.size(1), hidden_channels=c.hidden,
                       out_channels=self.data.num_classes, dropout=c.dropout, bias=c.bias)
        return PropagationGCN(self.data.x.size(1), c.hidden, self.data.num_classes,
                              c.propagation, num_layers=c.layers, dropout=c.dropout,
                              residual=c.residual, bias=c.bias)

    def optimizer(self, model: torch.nn.Module) -> torch.optim.Optimizer:
        # L2 on the first layer only (the paper's choice); Adam's coupled weight_decay gives the
        # same gradient as adding weight_decay/2 * ||W||^2 to the loss, as the original code does.
        first = model.conv1 if isinstance(model, GCN) else model.convs[0]
        decayed = {id(p) for p in first.parameters()}
        rest = [p for p in model.parameters() if id(p) not in decayed]
        return torch.optim.Adam(
            [{"params": first.parameters(), "weight_decay": self.config.weight_decay},
             {"params": rest, "weight_decay": 0.0}],
            lr=self.config.lr,
        )

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        # one full-batch gradient step on the labelled nodes
        train = self.index["train"]
        optimizer.zero_grad()
        logits = model(self.x, self.adj)  # [N, C]
        loss = F.cross_entropy(logits[train], self.y[train])
        loss.backward()
        optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> Tensor:
        return classifier_metrics(model(self.x, self.adj), self.y, self.index)

    def selection(self) -> Selection:
        return SELECTIONS[self.config.select]

    def stop_rule(self) -> StopRule:
        return ValidationLossWindow(self.config.patience)

    def summarize(self, picked: list[ClassifierStats]) -> dict[str, Any]:
        return classifier_summary(picked)

    def describe(self, best: ClassifierStats) -> str:
        return f"test accuracy {best.test_acc:.4f} at epoch {best.epoch}"

    @torch.no_grad()
    def embed(self, model: GCN | PropagationGCN) -> Tensor:
        """The (last) hidden layer ``[N, hidden]`` (after the ReLU, dropout off) on every
        node."""
        model.eval()
        return model.embed(self.x, self.adj)


def train_node(
    config: NodeConfig | None = None, *, on_epoch: Callable[[ClassifierStats], None] | None = None
) -> NodeResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's, on Cora).
        on_epoch: called after every epoch of every run with its :class:`EpochStats`.

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    return fit(NodeTask, config or NodeConfig(), on_epoch=on_epoch)
