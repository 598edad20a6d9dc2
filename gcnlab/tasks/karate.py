"""Zachary's karate club as Kipf & Welling showed it: a 3-layer GCN maps the 34 members to 2-D.

``train_karate(KarateConfig(...))`` runs the one training loop (:func:`~gcnlab.train.loop.fit`)
on the club with one-hot ids as features and :class:`~gcnlab.nn.embedder.GCNEmbedder`
(34 → 4 → 4 → 2, tanh, then a linear classifier):

- before training, the untrained model's 2-D embedding (epoch 0) already groups the communities;
  k-means on it with as many clusters as communities measures how well (ACC, per run);
- semi-supervised: one labelled member per community (:data:`~gcnlab.data.karate.COMMUNITIES`),
  cross-entropy on those members only, Adam; the accuracy on the other members is reported at
  the last epoch (there is nobody left to validate on, so nothing is selected).

The embedding of run 1 is kept at every epoch, for the figures (``gcnlab karate --plots``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.community.methods import kmeans
from gcnlab.community.scores import cluster_scores
from gcnlab.data.karate import COMMUNITIES, read_karate_communities
from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.nn.embedder import GCNEmbedder
from gcnlab.tasks.karate_config import KarateConfig
from gcnlab.train.loop import (
    EpochStats,
    RunResult,
    SeededRuns,
    Selection,
    Task,
    fit,
)
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)


@dataclass
class KarateEpochStats(EpochStats):
    """One epoch; accuracies are fractions in [0, 1]."""

    train_acc: float  # the labelled members (one per community)
    test_acc: float  # every other member


@dataclass(kw_only=True)
class KarateResult(RunResult):
    """The outcome of :func:`train_karate`."""

    task: str = "karate"

    communities: str  # which division of the club (a key of COMMUNITIES)
    num_classes: int
    labelled: list[int]  # the labelled members, one per community
    acc: list[float]  # per run: accuracy on the unlabelled members at the last epoch
    acc_mean: float
    acc_std: float  # sample standard deviation over runs (0 for one run)
    untrained_acc: list[float]  # per run: ACC of k-means on the untrained 2-D embedding
    untrained_acc_mean: float
    untrained_acc_std: float
    # run 1's 2-D embedding [34, 2] at epochs 0 (untrained), 1, ..., epochs; not in the JSON
    frames: list[Tensor] = field(default_factory=list, repr=False)


NOT_IN_JSON = ("frames",)  # besides history and states


# Not in gcnlab.train.registry: nothing reads karate results back by task name (no checkpoint),
# and its frames (tensors) are not JSON; the result is re-run with train_karate(config).
class KarateTask(Task[KarateConfig, KarateEpochStats]):
    """Semi-supervised classification of the club's members with Kipf's 2-D GCN."""

    name = "karate"
    config_type = KarateConfig
    stats_type = KarateEpochStats
    result_type = KarateResult
    test_metrics: ClassVar[tuple[str, ...]] = ("acc",)

    def __init__(self, config: KarateConfig, device: torch.device) -> None:
        super().__init__(config, device)
        self.data = read_karate_communities(config.communities)
        self.x = self.data.x.to(device)  # [34, 34] one-hot ids
        self.edge_index = self.data.edge_index.to(device)  # [2, 156]
        self.y = self.data.y.to(device)  # [34]
        self.train_mask = self.data.train_mask.to(device)
        self.test_mask = self.data.test_mask.to(device)
        self.run = 0
        self.seed = config.seed
        self.frames: list[Tensor] = []  # run 1's embeddings, epoch 0 first
        self.untrained_acc: list[float] = []

    @classmethod
    def prepare(
        cls, config: KarateConfig, device: torch.device, root: str | None = None
    ) -> KarateTask:
        return cls(config, device)  # built in: no data root

    @property
    def model_name(self) -> str:
        return "gcn-embedder"

    @property
    def dataset(self) -> str:
        return self.data.name

    def fingerprint(self) -> str:
        return dataset_fingerprint(self.data)

    def data_source(self) -> str:
        return "the karate club built into networkx and PyG"

    def start_run(self, run: int, seed: int) -> None:
        self.run, self.seed = run, seed

    @torch.no_grad()
    def embedding(self, model: torch.nn.Module) -> Tensor:
        """The 2-D embedding ``[34, 2]`` of ``model``, on the CPU."""
        _, h = model(self.x, self.edge_index)
        return h.cpu()

    def build_model(self) -> GCNEmbedder:
        model = GCNEmbedder(self.x.size(1), self.data.num_classes).to(self.device)
        # Step 0: what the untrained model already shows
        h = self.embedding(model)  # [34, 2]
        clusters = kmeans(h, self.data.num_classes, restarts=10, seed=self.seed)
        self.untrained_acc.append(cluster_scores(self.data.y, clusters).acc)
        if self.run == 0:
            self.frames = [h]
        return model

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        optimizer.zero_grad()
        logits, _ = model(self.x, self.edge_index)  # [34, C]
        loss = F.cross_entropy(logits[self.train_mask], self.y[self.train_mask])
        loss.backward()
        optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> Tensor:
        logits, h = model(self.x, self.edge_index)
        if self.run == 0:
            self.frames.append(h.cpu())
        correct = (logits.argmax(dim=1) == self.y).double()
        return torch.stack([correct[self.train_mask].mean(), correct[self.test_mask].mean()])

    def selection(self) -> Selection:
        return Selection(None, "the last epoch (no members are left to validate on)")

    def summarize(self, picked: list[KarateEpochStats]) -> dict[str, Any]:
        acc = [s.test_acc for s in picked]
        mean, std = mean_std(acc)
        return {"acc": acc, "acc_mean": mean, "acc_std": std}

    def extras(self, runs: SeededRuns) -> dict[str, Any]:
        untrained = self.untrained_acc[: len(runs.seeds)]  # an interrupted run built one more
        mean, std = mean_std(untrained)
        return {
            "communities": self.config.communities,
            "num_classes": self.data.num_classes,
            "labelled": list(COMMUNITIES[self.config.communities].labelled),
            "untrained_acc": untrained,
            "untrained_acc_mean": mean,
            "untrained_acc_std": std,
            "frames": self.frames,
        }

    def describe(self, best: KarateEpochStats) -> str:
        return f"unlabelled members {100 * best.test_acc:.1f}% at epoch {best.epoch}"


def train_karate(
    config: KarateConfig | None = None,
    *,
    on_epoch: Callable[[KarateEpochStats], None] | None = None,
) -> KarateResult:
    """Run ``config.runs`` seeded trainings on the club and return their result.

    Args:
        config: what to run (default: the 2 factions, 300 epochs, 10 runs).
        on_epoch: called after every epoch of every run with its :class:`KarateEpochStats`.
    """
    return fit(KarateTask, config or KarateConfig(), on_epoch=on_epoch)
