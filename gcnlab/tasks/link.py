"""Link prediction with graph auto-encoders: the paper's protocol as a task of the loop.

``train_link(LinkConfig(...))`` loads the dataset, then for each seed splits the edges 85/5/10
(:func:`~gcnlab.data.link_split.split_edges`), trains a GAE or VGAE on the training graph with Adam,
scores the validation and test pairs after every epoch, and reports the test ROC AUC and average
precision at the epoch with the best validation AUC + AP (never the best test epoch).

Everything an epoch touches (graph, features, pairs, sampled negatives, loss, metrics) lives on
the run's device; the loop reads one row of metrics per epoch.

With ``LinkConfig(batch_size=B)`` an epoch is one step per ``B`` training edges instead
(:mod:`gcnlab.tasks.link_edge_batches`, which also runs across ``torchrun``'s processes); with
``LinkConfig(batch="clusters")`` one step per Cluster-GCN batch of the training graph, the
encoder on the batch alone (:mod:`gcnlab.tasks.link_cluster_gcn`, also across processes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data import planetoid
from gcnlab.data.datasets import resolve_root
from gcnlab.data.link_split import LinkSplit, edge_keys, sample_non_edges, split_edges
from gcnlab.nn.autoencoders import (
    GAE,
    VGAE,
    GCNEncoder,
    VariationalGCNEncoder,
    dense_recon_loss,
    reconstruction_weights,
    resolve_loss,
    sampled_recon_loss,
)
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, as_features, identity
from gcnlab.tasks.link_config import (  # noqa: F401 (kept importable from here)
    BATCHES,
    FEATURES,
    LOSSES,
    MODELS,
    LinkConfig,
)
from gcnlab.tasks.link_metrics import average_precision, roc_auc
from gcnlab.train.graph_task import GraphTask
from gcnlab.train.loop import EpochStats, RunResult, Selection, fit
from gcnlab.train.registry import task_for
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

@dataclass
class LinkEpochStats(EpochStats):
    """What one epoch measured; passed to ``on_epoch``. Metrics are fractions in [0, 1]; ``loss``
    is the reconstruction loss, plus the KL term for the VGAE."""

    val_auc: float
    val_ap: float
    test_auc: float
    test_ap: float


@dataclass(kw_only=True)
class LinkResult(RunResult):
    """The outcome of :func:`train_link`; AUC and AP are fractions in [0, 1]."""

    task: str = "link"

    auc: list[float]  # test ROC AUC per run, at the epoch chosen by validation
    ap: list[float]  # test average precision per run, at the same epoch
    auc_mean: float
    auc_std: float  # sample standard deviation over runs (0 for one run)
    ap_mean: float
    ap_std: float
    val_auc: list[float]  # per run, at the chosen epoch
    val_ap: list[float]
    reconstruction: str  # the loss used: "dense" or "sampled" (config.loss resolved)


@dataclass
class SplitOnDevice:
    """One split on one device, in the form training uses."""

    adj: SparseMatrix  # normalized training graph Â^T: the only edges the encoder sees
    train_pos: Tensor  # [2, E_train] the training edges (row 0 < row 1)
    val: tuple[Tensor, Tensor]  # positive and negative pairs, [2, k] each
    test: tuple[Tensor, Tensor]
    recon: Callable[[Tensor], Tensor]  # reconstruction loss of the embeddings z [N, F]


def link_features(data: Data, config: LinkConfig) -> Tensor | SparseMatrix:
    """The encoder's input features ``[N, F]`` as ``config.features`` asks (the identity as
    a :class:`SparseMatrix`: ``N`` stored values, not ``N^2``)."""
    if config.features == "none":
        return identity(data.num_nodes)
    if config.features == "raw" and not config.is_file and data.name in planetoid.NAMES:
        # load_dataset row-normalizes (the GCN paper's input); the GAE paper feeds the raw values
        return planetoid.read_planetoid(resolve_root(config.root), data.name).x
    return data.x  # karate's one-hot ids are raw and normalized at once


def _dense_recon(split: LinkSplit, device: torch.device) -> Callable[[Tensor], Tensor]:
    # The paper's target: the training adjacency plus the identity; its weights count the
    # adjacency's entries without the diagonal.
    n = split.num_nodes
    loops = torch.arange(n, device=device)
    target = torch.cat([split.train_edge_index.to(device), torch.stack([loops, loops])], dim=1)
    pos_weight, norm = reconstruction_weights(n, 2 * split.train_pos.size(1))
    return lambda z: dense_recon_loss(z, target, pos_weight, norm)


def _sampled_recon(split: LinkSplit, device: torch.device) -> Callable[[Tensor], Tensor]:
    # Negatives avoid training edges only: avoiding validation or test edges would leak them.
    pos = split.train_pos.to(device)
    keys = edge_keys(pos, split.num_nodes)

    def recon(z: Tensor) -> Tensor:
        neg, valid = sample_non_edges(keys, split.num_nodes, pos.size(1))
        return sampled_recon_loss(z, pos, neg, valid)

    return recon


def prepare_split(split: LinkSplit, reconstruction: str, device: torch.device) -> SplitOnDevice:
    """``split`` on ``device`` with its normalized training graph and reconstruction loss."""
    adj = normalized_adjacency(split.train_edge_index, num_nodes=split.num_nodes).to(device)
    on_device = split.to(device)
    recon = (_dense_recon if reconstruction == "dense" else _sampled_recon)(split, device)
    return SplitOnDevice(
        adj,
        on_device.train_pos,
        (on_device.val_pos, on_device.val_neg),
        (on_device.test_pos, on_device.test_neg),
        recon,
    )


def build_autoencoder(config: LinkConfig, in_channels: int) -> GAE:
    """The GAE or VGAE of ``config`` on the CPU."""
    if config.model == "vgae":
        return VGAE(VariationalGCNEncoder(in_channels, config.hidden, config.latent))
    return GAE(GCNEncoder(in_channels, config.hidden, config.latent))


@torch.no_grad()
def score_split(model: GAE, x: SparseMatrix, split: SplitOnDevice) -> Tensor:
    """``[val_auc, val_ap, test_auc, test_ap]`` from the deterministic embeddings (the VGAE's
    means), on the device."""
    model.eval()
    z = model.encode(x, split.adj)  # [N, F]
    out = []
    for pos, neg in (split.val, split.test):
        pos_score, neg_score = model.decoder(z, pos), model.decoder(z, neg)
        out += [roc_auc(pos_score, neg_score), average_precision(pos_score, neg_score)]
    return torch.stack(out)


class LinkTask(GraphTask):
    """Link prediction with a GAE or VGAE on one graph, a new edge split per run (or one fixed)."""

    name = "link"
    config_type = LinkConfig
    stats_type = LinkEpochStats
    result_type = LinkResult
    test_metrics = ("auc", "ap")

    def __init__(self, config: LinkConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        x = link_features(data, config)
        self.x = (x if isinstance(x, SparseMatrix) else as_features(x)).to(device)  # [N, F]
        # edge and cluster mini-batches always sample their negatives
        batched = config.batch_size is not None or config.batch == "clusters"
        self.reconstruction = "sampled" if batched else resolve_loss(config.loss, data.num_nodes)
        self.split: SplitOnDevice | None = None
        self._fixed: SplitOnDevice | None = None  # with split_seed: the one split of every run
        log.info(
            "%s on %s: %s reconstruction, %s features, device %s",
            config.model,
            data.name,
            self.reconstruction,
            config.features,
            device,
        )

    @property
    def model_name(self) -> str:
        return self.config.model

    @property
    def dataset(self) -> str:
        return self.config.dataset_label(self.data)

    def run_split(self, run: int) -> LinkSplit:
        """The split run ``run`` trains and is scored on."""
        c = self.config
        seed = c.seed + run if c.split_seed is None else c.split_seed
        return split_edges(self.data.edge_index, self.data.num_nodes, seed=seed)

    def start_run(self, run: int, seed: int) -> None:
        if self._fixed is not None:
            self.split = self._fixed
            return
        self.split = prepare_split(self.run_split(run), self.reconstruction, self.device)
        if self.config.split_seed is not None:
            self._fixed = self.split

    def make_model(self) -> GAE:
        return build_autoencoder(self.config, self.x.shape[1])

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        # one full-batch gradient step on the training graph
        assert self.split is not None
        optimizer.zero_grad()
        z, kl = model(self.x, self.split.adj)  # z: [N, latent]
        loss = self.split.recon(z)
        if kl is not None:
            loss = loss + kl / self.x.shape[0]  # the paper's scaling of the KL term
        loss.backward()
        optimizer.step()
        return loss.detach()

    def evaluate(self, model: torch.nn.Module) -> Tensor:
        assert self.split is not None
        return score_split(model, self.x, self.split)

    def selection(self) -> Selection:
        # the highest validation AUC + AP (the first, on ties)
        return Selection(lambda s: (s.val_auc + s.val_ap,), "best validation AUC + AP")

    @staticmethod
    def run_scores(metrics: dict[str, Any]) -> list[float]:
        """Each run's validation score, by which predictions pick a run: ``val_auc + val_ap``."""
        return [auc + ap for auc, ap in zip(metrics["val_auc"], metrics["val_ap"], strict=True)]

    def summarize(self, picked: list[LinkEpochStats]) -> dict[str, Any]:
        auc, ap = [s.test_auc for s in picked], [s.test_ap for s in picked]
        auc_mean, auc_std = mean_std(auc)
        ap_mean, ap_std = mean_std(ap)
        return {
            "auc": auc,
            "ap": ap,
            "auc_mean": auc_mean,
            "auc_std": auc_std,
            "ap_mean": ap_mean,
            "ap_std": ap_std,
            "val_auc": [s.val_auc for s in picked],
            "val_ap": [s.val_ap for s in picked],
            "reconstruction": self.reconstruction,
        }

    def describe(self, best: LinkEpochStats) -> str:
        return f"test AUC {best.test_auc:.4f}, AP {best.test_ap:.4f} at epoch {best.epoch}"


def train_link(
    config: LinkConfig | None = None,
    *,
    on_epoch: Callable[[LinkEpochStats], None] | None = None,
    on_ready: Callable[[LinkTask], None] | None = None,
) -> LinkResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's GAE on Cora).
        on_epoch: called after every epoch of every run with its :class:`LinkEpochStats`.
        on_ready: called with the prepared task, its graph loaded, before the first epoch.

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or LinkConfig()
    return fit(task_for("link", config=config), config, on_epoch=on_epoch, on_ready=on_ready)


