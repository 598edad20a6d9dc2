"""Semi-supervised node classification with a GCN: the paper's protocol as a task of the loop.

``train_node(NodeConfig(...))`` loads the dataset, then for each seed trains the two-layer GCN with
Adam, evaluates on the validation set after every epoch, stops early as the original code does,
and reports the test accuracy at the epoch chosen by validation (never the best test epoch).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.reorder import NodeOrder, node_order
from gcnlab.data.splits import SplitSpec, make_split
from gcnlab.data.validate import validate_graph
from gcnlab.errors import InputError, UsageError
from gcnlab.nn.deep_gcn import PropagationGCN
from gcnlab.nn.family_models import GCNII, SGC, APPNPNet, FamilyModel
from gcnlab.nn.models import GCN
from gcnlab.nn.propagation import propagation_operator
from gcnlab.nn.sparse import as_features
from gcnlab.tasks.node_config import (  # noqa: F401 (kept importable from here)
    BATCHES,
    MODELS,
    PROPAGATIONS,
    SELECTS,
    NodeConfig,
    classifier_checks,
)
from gcnlab.train.graph_input import IN_MEMORY, on_graph
from gcnlab.train.graph_task import GraphTask
from gcnlab.train.loop import (
    EpochStats,
    NoImprovement,
    RunResult,
    Selection,
    StopRule,
    ValidationLossWindow,
    fit,
)
from gcnlab.train.registry import task_for
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

# the reported epoch: best validation accuracy (ties: lower validation loss), lowest validation
# loss, or the last (where early stopping ended the run, as the original code reports)
SELECTIONS: dict[str, Selection] = {
    "val_acc": Selection(lambda s: (s.val_acc, -s.val_loss), "best validation accuracy"),
    "val_loss": Selection(lambda s: (-s.val_loss,), "lowest validation loss"),
    "last": Selection(None, "last epoch"),
}
# node_config states these names without torch, for the command line
assert tuple(SELECTIONS) == SELECTS, "node_config.SELECTS must name SELECTIONS"

# the GCN family's models from a config: (in_channels, num_classes, config) -> the model
FAMILY: dict[str, Callable[[int, int, NodeConfig], FamilyModel]] = {
    "sgc": lambda f, c, cfg: SGC(f, c, K=cfg.k),
    "appnp": lambda f, c, cfg: APPNPNet(
        f, cfg.hidden, c, K=cfg.k, alpha=cfg.alpha, dropout=cfg.dropout, bias=cfg.bias
    ),
    "gcnii": lambda f, c, cfg: GCNII(
        f,
        cfg.hidden,
        c,
        num_layers=cfg.layers,
        alpha=cfg.alpha,
        theta=cfg.theta,
        dropout=cfg.dropout,
    ),
}
assert ("gcn", *FAMILY) == MODELS, "node_config.MODELS must name gcn and FAMILY"


@dataclass
class AccuracyOrLoss(StopRule):
    """APPNP's early stopping (Klicpera et al. 2019, the official code's ``stopping_args``):
    stop after ``patience`` epochs in which neither the validation accuracy rose above its best
    so far nor the validation loss fell below its best so far; 0 disables it."""

    patience: int
    _best: tuple[float, float, int] = (-math.inf, math.inf, 0)  # accuracy, loss, their epoch

    def should_stop(self, history: Sequence[EpochStats], best: EpochStats) -> bool:
        s = history[-1]
        acc, loss, epoch = self._best if len(history) > 1 else (-math.inf, math.inf, s.epoch)
        if s.val_acc > acc or s.val_loss < loss:  # type: ignore[attr-defined]
            acc, loss, epoch = max(acc, s.val_acc), min(loss, s.val_loss), s.epoch  # type: ignore[attr-defined]
        self._best = (acc, loss, epoch)
        return bool(self.patience) and s.epoch - epoch >= self.patience


@dataclass
class ClassifierStats(EpochStats):
    """One epoch of a classifier (node classification, digits). Accuracies are fractions."""

    train_acc: float
    val_loss: float
    val_acc: float
    test_acc: float

    finite: ClassVar[tuple[str, ...]] = ("val_loss",)


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
    split: dict = dataclasses.field(default_factory=dict)  # the SplitSpec, and the nodes of
    # each part per run: {"spec": {...}, "sizes": [[train, val, test], ...]}


def classifier_summary(picked: list[ClassifierStats]) -> dict[str, Any]:
    """The result fields of a classifier from each run's chosen epoch."""
    accs = [s.test_acc for s in picked]
    mean, std = mean_std(accs)
    return {
        "test_acc": accs,
        "test_acc_mean": mean,
        "test_acc_std": std,
        "val_acc": [s.val_acc for s in picked],
    }


@torch.no_grad()
def classifier_metrics(logits: Tensor, y: Tensor, index: dict[str, Tensor]) -> Tensor:
    """``[train_acc, val_loss, val_acc, test_acc]`` as one tensor (one host read per epoch)."""
    pred = logits.argmax(dim=1)
    val = index["val"]
    accs = [(pred[i] == y[i]).float().mean() for i in (index["train"], val, index["test"])]
    return torch.stack([accs[0], F.cross_entropy(logits[val], y[val]), accs[1], accs[2]])


class NodeTask(GraphTask):
    """The GCN paper's node classification on one graph, full batch."""

    name = "node"
    config_type = NodeConfig
    stats_type = ClassifierStats
    result_type = NodeResult
    test_metrics = ("test_acc",)

    def __init__(self, config: NodeConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)  # self.data: the user's order (fingerprint)
        if data.get("y") is None:
            raise InputError(
                f"{config.dataset}: the graph has no labels; node classification "
                "needs them (--labels-file for an edge list, --label-attr for the "
                "node attribute of a networkx file); without labels, embed it with "
                "'gcnlab embed --model gae' or cluster it with 'gcnlab cluster --k K'"
            )
        self.spec = SplitSpec.parse(config.split)
        masks = make_split(data, self.spec, config.seed)  # in the user's order
        # once per graph, before anything is built from it; unlabeled nodes (-1) are in no mask;
        # cross-validation has no validation set (an empty val_mask)
        checked = {k: m for k, m in masks.items() if k != "val_mask" or self.spec.kind != "folds"}
        validate_graph(data, masks=checked)
        # an optional relabelling for locality; every per-node output is put back (restore)
        self.order: NodeOrder | None = node_order(data.edge_index, data.num_nodes, config.reorder)
        graph = copy.copy(data)  # shares the tensors: the masks below go on the copy only
        for key, mask in masks.items():  # the split in force, where every task reads it
            graph[key] = mask
        graph = graph if self.order is None else self.order.apply(graph)
        self.graph = graph  # the graph in the order training uses
        # the propagation's operator (normalized Â^T for the GCN), shared by all layers and
        # runs: [N, N], or None for the MLP
        adj = propagation_operator(config.propagation, graph.edge_index, num_nodes=graph.num_nodes)
        self.adj = None if adj is None else adj.to(device)
        self.x = as_features(graph.x, config.sparse_features).to(device)  # [N, F]
        self.y = graph.y.to(device)  # [N]
        self.index = self._index(masks)
        self.sizes: list[list[int]] = []  # train/val/test nodes of each run

    def _index(self, masks: dict[str, Tensor]) -> dict[str, Tensor]:
        """Node ids (in the training order) of each part of a split given in the user's."""
        if self.order is not None:
            masks = {k: m[self.order.perm] for k, m in masks.items()}
        index = {
            k: masks[f"{k}_mask"].nonzero().view(-1).to(self.device)
            for k in ("train", "val", "test")
        }
        if self.spec.kind == "folds":
            # no validation set: the loop's validation figures are the held-out fold's; they
            # choose nothing, since a folds split needs select="last" and no early stopping
            index["val"] = index["test"]
        return index

    def start_run(self, run: int, seed: int) -> None:
        # a random split is drawn per run from the run's seed, unless the spec fixes its seed;
        # cross-validation tests on fold `run` of one assignment, drawn from the first seed
        if self.spec.kind == "folds":
            self.index = self._index(make_split(self.data, self.spec, self.config.seed, run))
        elif self.spec.kind in ("random", "ratio") or (
            self.spec.kind == "auto" and self.data.get("train_mask") is None
        ):
            self.index = self._index(make_split(self.data, self.spec, seed))
        self.sizes.append([int(i.numel()) for i in self.index.values()])

    def node_ids(self, index: Tensor) -> Tensor:
        """Training-order node ids as the user's."""
        return index if self.order is None else self.order.perm.to(index.device)[index]

    @torch.no_grad()
    def predict(self, model: GCN) -> Tensor:
        """Class probabilities ``[N, C]`` (dropout off), in the user's node order."""
        model.eval()
        probs = torch.softmax(model(self.x, self.adj), dim=1)  # [N, C] in training order
        return probs if self.order is None else self.order.restore(probs)

    @property
    def model_name(self) -> str:
        c = self.config
        if c.model != "gcn" or c.is_paper_gcn:
            return c.model
        name = "gcn" if c.propagation == "renormalization" else c.propagation
        if c.layers != 2 or c.residual:
            name += f"-{c.layers}-layers" + ("-residual" if c.residual else "")
        return name

    @property
    def dataset(self) -> str:
        return self.config.dataset_label(self.data)

    def extras(self, runs: Any) -> dict[str, Any]:
        return {"split": {"spec": self.spec.to_dict(), "sizes": self.sizes[: len(runs.picked)]}}

    def make_model(self) -> GCN | PropagationGCN | FamilyModel:
        c = self.config
        if c.model in FAMILY:
            return FAMILY[c.model](self.data.x.size(1), self.data.num_classes, c)
        if c.is_paper_gcn:
            return GCN(
                self.data.x.size(1), c.hidden, self.data.num_classes, dropout=c.dropout, bias=c.bias
            )
        return PropagationGCN(
            self.data.x.size(1),
            c.hidden,
            self.data.num_classes,
            c.propagation,
            num_layers=c.layers,
            dropout=c.dropout,
            residual=c.residual,
            bias=c.bias,
        )

    def optimizer(self, model: torch.nn.Module) -> torch.optim.Optimizer:
        if isinstance(model, (SGC, APPNPNet, GCNII)):  # each paper's weight decays
            groups = model.param_groups(self.config.weight_decay, self.config.conv_weight_decay)
            return torch.optim.Adam(groups, lr=self.config.lr)
        # L2 on the first layer only (the paper's choice); Adam's coupled weight_decay gives the
        # same gradient as adding weight_decay/2 * ||W||^2 to the loss, as the original code does.
        first = model.conv1 if isinstance(model, GCN) else model.convs[0]
        decayed = {id(p) for p in first.parameters()}
        rest = [p for p in model.parameters() if id(p) not in decayed]
        return torch.optim.Adam(
            [
                {"params": first.parameters(), "weight_decay": self.config.weight_decay},
                {"params": rest, "weight_decay": 0.0},
            ],
            lr=self.config.lr,
        )

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        # one full-batch gradient step on the labelled nodes
        train = self.index["train"]
        optimizer.zero_grad()
        if isinstance(model, SGC):  # a linear model on fixed features: the training rows only
            logits = model(self.x, self.adj, rows=train)  # [len(train), C]
        else:
            logits = model(self.x, self.adj)[train]  # [len(train), C]
        loss = F.cross_entropy(logits, self.y[train])
        loss.backward()
        optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> Tensor:
        return classifier_metrics(model(self.x, self.adj), self.y, self.index)

    def selection(self) -> Selection:
        return SELECTIONS[self.config.select]

    @staticmethod
    def run_scores(metrics: dict[str, Any]) -> list[float]:
        """Each run's validation score, by which predictions pick a run: its ``val_acc``."""
        return list(metrics["val_acc"])

    def stop_rule(self) -> StopRule:
        if self.config.model == "appnp":  # its code: patience on accuracy or loss
            return AccuracyOrLoss(self.config.patience)
        if self.config.model == "gcnii":  # its code: patience on the lowest validation loss
            return NoImprovement(self.config.patience)
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
        h = model.embed(self.x, self.adj)  # [N, hidden] in training order
        return h if self.order is None else self.order.restore(h)


def train_node(
    config: NodeConfig | None = None,
    *,
    on_epoch: Callable[[ClassifierStats], None] | None = None,
    data: Any = None,
) -> NodeResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's, on Cora).
        on_epoch: called after every epoch of every run with its :class:`ClassifierStats`.
        data: a graph to train on instead of ``config.dataset``: a PyG ``Data`` or a networkx
            graph, read by :func:`~gcnlab.data.graphs.load_graph` with the config's
            ``directed``, ``label_attr`` and ``featureless``. The result's config then records
            ``"<in-memory graph>"`` as the dataset. (default: :obj:`None`)

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or NodeConfig()
    if data is None:
        return fit(task_for("node", config=config), config, on_epoch=on_epoch)
    from gcnlab.data.graphs import load_graph

    config = dataclasses.replace(config, dataset=IN_MEMORY)
    if config.features_file is not None or config.labels_file is not None:
        raise UsageError("features_file and labels_file apply to edge-list files, not to data=")
    graph = load_graph(
        data, directed=config.directed, label=config.label_attr, featureless=config.featureless
    )
    return fit(on_graph(task_for("node", config=config), graph), config, on_epoch=on_epoch)
