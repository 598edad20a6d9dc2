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
from gcnlab.tasks.link_metrics import average_precision, roc_auc
from gcnlab.train import bounds
from gcnlab.train.graph_input import GraphInput
from gcnlab.train.graph_task import GraphTask
from gcnlab.train.loop import EpochStats, RunConfig, RunResult, Selection, fit, in_range, one_of
from gcnlab.train.registry import task_for
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

MODELS: tuple[str, ...] = ("gae", "vgae")
LOSSES: tuple[str, ...] = ("auto", "dense", "sampled")
FEATURES: tuple[str, ...] = ("raw", "normalized", "none")
# full-batch training, or Cluster-GCN mini-batches (the registry picks the task class by `variant`)
BATCHES: tuple[str, ...] = ("full", "clusters")


@dataclass(kw_only=True)
class LinkConfig(GraphInput, RunConfig):
    """Hyper-parameters of a link-prediction run; defaults are the paper's. The graph's fields
    (``dataset``, ``root``, ``directed``, ...) are :class:`~gcnlab.train.graph_input.GraphInput`'s.
    """

    model: str = "gae"  # gae | vgae
    hidden: int = 32  # hidden units of the first GCN layer
    latent: int = 16  # size of each node's embedding
    loss: str = "auto"  # dense: the paper's weighted reconstruction of all N^2 pairs; sampled: the
    # training edges against as many random pairs, each epoch; auto: dense up to
    # gcnlab.nn.autoencoders.DENSE_MAX_NODES nodes
    features: str = "raw"  # raw: as stored, unnormalized (the paper's: binary words on Cora and
    # CiteSeer); normalized: rows summing to 1 (PyG's example); none: one-hot ids (featureless)
    split_seed: int | None = None  # None: each run splits the edges with its own seed; a
    # number: every run uses the one split this seed draws (the paper's "fixed splits")
    batch_size: int | None = None  # None: one full-batch step per epoch; a number: edge
    # mini-batches of this many training edges per step, each against as many sampled negatives
    # (gcnlab.tasks.link_edge_batches), split across torchrun's processes
    batch: str = "full"  # full: the encoder sees the whole training graph at every step;
    # clusters: Cluster-GCN mini-batches of the training graph (gcnlab.tasks.link_cluster_gcn), one
    # step per batch, encoder and loss on the batch alone, across torchrun's processes
    parts: int = 16  # clusters: METIS parts of each run's training graph
    clusters_per_batch: int = 4  # clusters: parts per mini-batch

    @property
    def variant(self) -> str:
        """The task class that trains this config (:data:`gcnlab.train.registry.BUILT_IN`):
        ``full``, ``edges`` (edge mini-batches, ``batch_size``) or ``clusters`` (Cluster-GCN)."""
        return "edges" if self.batch_size is not None else self.batch

    def checks(self) -> list:
        return (
            super().checks()
            + self.graph_checks()
            + [
                (
                    not self.directed,
                    "link prediction treats the graph as undirected (the "
                    "auto-encoder's inner-product decoder is symmetric); drop --directed",
                ),
                one_of("model", self.model, MODELS),
                one_of("loss", self.loss, LOSSES),
                one_of("features", self.features, FEATURES),
                in_range("hidden", self.hidden, 1, bounds.MAX_HIDDEN),
                in_range("latent", self.latent, 1, bounds.MAX_HIDDEN),
                (
                    self.split_seed is None or 0 <= self.split_seed <= bounds.MAX_SEED,
                    f"split seed must be between 0 and {bounds.MAX_SEED}, got {self.split_seed}",
                ),
                (
                    self.batch_size is None or 1 <= self.batch_size <= bounds.MAX_EDGE_BATCH_SIZE,
                    f"batch size must be between 1 and {bounds.MAX_EDGE_BATCH_SIZE}, "
                    f"got {self.batch_size}",
                ),
                (
                    self.batch_size is None or self.loss != "dense",
                    "edge mini-batches (--batch-size) train against sampled negatives; "
                    "drop --loss dense or --batch-size",
                ),
                one_of("batch", self.batch, BATCHES),
                in_range("parts", self.parts, 1, bounds.MAX_PARTS),
                in_range("clusters per batch", self.clusters_per_batch, 1, self.parts),
                (
                    self.batch == "full" or self.batch_size is None,
                    "--batch clusters and --batch-size are two kinds of mini-batches; drop one",
                ),
                (
                    self.batch == "full" or self.loss != "dense",
                    "cluster mini-batches (--batch clusters) train against sampled negatives; "
                    "drop --loss dense or --batch clusters",
                ),
            ]
        )


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
    config: LinkConfig | None = None, *, on_epoch: Callable[[LinkEpochStats], None] | None = None
) -> LinkResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's GAE on Cora).
        on_epoch: called after every epoch of every run with its :class:`LinkEpochStats`.

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or LinkConfig()
    return fit(task_for("link", config=config), config, on_epoch=on_epoch)


