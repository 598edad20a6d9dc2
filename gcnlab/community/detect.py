"""Community detection: embed the nodes, cluster them with k-means, score against the classes.

``cluster(ClusterConfig(...))`` loads a dataset, runs one method for ``config.runs`` seeds
(seed, seed + 1, ...) and reports ACC, NMI, ARI and macro-F1 (:mod:`gcnlab.community.scores`)
per run and as mean ± sample standard deviation. A method is a registered object
(:data:`METHODS`); every one ends in k-means with ``config.restarts`` restarts, seeded by the run.

- ``gae`` / ``vgae``: the link-prediction auto-encoders trained on the whole graph (every edge, no
  split: the ARGA paper's clustering protocol) by the one training loop
  (:func:`~gcnlab.train.loop.fit`, task :class:`AutoencoderClustering`), the embeddings of the
  last epoch (nothing is selected: there is no validation signal without labels), then k-means;
- ``kmeans``, ``spectral``, ``smooth``: training-free (:mod:`gcnlab.community.methods`).

Labels are used for scoring only, never to choose anything. A graph without labels is clustered
all the same; its scores are left empty.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, remove_self_loops

from gcnlab.community.config import ClusterConfig
from gcnlab.community.methods import adjacency_eigenvectors, kmeans, smooth_clusters
from gcnlab.community.scores import ClusterScores, cluster_scores
from gcnlab.data import planetoid
from gcnlab.data.datasets import resolve_root
from gcnlab.data.graph_parts import node_names
from gcnlab.data.link_split import edge_keys, sample_non_edges
from gcnlab.errors import UsageError
from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.io.results import versions
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
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.train.graph_task import GraphTask
from gcnlab.train.loop import (
    EpochStats,
    RunResult,
    SeededRuns,
    Selection,
    fit,
)
from gcnlab.utils.runtime import resolve_device
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

SCORES: tuple[str, ...] = ("acc", "nmi", "ari", "f1")


@dataclass(kw_only=True)
class ClusterResult(RunResult):
    """The outcome of :func:`cluster`. Scores are fractions (ARI in [-1, 1]); with no labels
    the score lists are empty and the means ``None``. ``model`` is the method; for the
    training-free methods ``best_epoch``, ``epochs``, ``history`` and ``states`` are empty."""

    task: str = "cluster"

    num_clusters: int
    restarts: int  # k-means restarts per clustering
    labelled: bool  # False: the graph has no labels, nothing was scored
    acc: list[float]  # per run
    nmi: list[float]
    ari: list[float]
    f1: list[float]
    acc_mean: float | None
    acc_std: float | None  # sample standard deviation over runs (0 for one run)
    nmi_mean: float | None
    nmi_std: float | None
    ari_mean: float | None
    ari_std: float | None
    f1_mean: float | None
    f1_std: float | None
    power: list[int] = field(default_factory=list)  # smooth: the order each run used
    # smooth: why each run's order (SmoothRun.stopped_by): "rule", "cap" (the adaptive rule
    # never stopped; the order is max_power) or "fixed" (power given)
    stopped_by: list[str] = field(default_factory=list)
    # per run, the cluster of every node [N]; not in the JSON (written by --save-clusters)
    clusters: list[list[int]] = field(default_factory=list, repr=False)
    # the id of every node [N] as the input gave it ("0".."N-1" for a built-in dataset), the
    # rows of `clusters`; not in the JSON
    node_ids: list[str] = field(default_factory=list, repr=False)
    # what k-means clustered in run 1 [N, D], for the figures; not in the JSON
    embedding: Tensor | np.ndarray | None = field(default=None, repr=False)


NOT_IN_JSON = ("clusters", "node_ids", "embedding")  # besides history and states


@dataclass
class RunClusters:
    """One run of a method: its seed, clusters and (for run 1) what k-means clustered."""

    seed: int
    clusters: np.ndarray  # [N] cluster ids
    embedding: Tensor | np.ndarray | None = None
    power: int | None = None  # smooth: the smoothing order used
    stopped_by: str | None = None  # smooth: "rule", "cap" or "fixed" (SmoothRun.stopped_by)


# -- loading ----------------------------------------------------------------------------------


def cluster_features(data: Data, config: ClusterConfig) -> SparseMatrix:
    """The node features ``[N, F]`` as ``config.features`` asks."""
    if config.features == "raw" and not config.is_file and data.name in planetoid.NAMES:
        # load_dataset row-normalizes (the GCN paper's input); AGC and the GAE paper use raw words
        x = planetoid.read_planetoid(resolve_root(config.root), data.name).x
        return SparseMatrix.from_tensor(x)
    # graph files keep their features as stored; karate's one-hot ids are raw and normalized
    x = data.x
    return x if isinstance(x, SparseMatrix) else SparseMatrix.from_tensor(x)


def labelled_nodes(data: Data) -> Tensor | None:
    """The nodes with a class ``[N]`` bool (graph files mark the others ``-1``), or ``None``
    when no node has one."""
    y = getattr(data, "y", None)
    if y is None:
        return None
    mask = y >= 0
    return mask if bool(mask.any()) else None


def number_of_clusters(data: Data, config: ClusterConfig) -> int:
    """``config.k``, or the number of classes; checked against the number of nodes."""
    if config.k is None and labelled_nodes(data) is None:
        name = config.dataset_label(data)
        raise UsageError(
            f"{name} has no labels to count classes from: give the number of clusters "
            "(--k on the command line, k= in ClusterConfig)"
        )
    k = config.k if config.k is not None else int(data.y.max()) + 1
    if k > data.num_nodes:
        raise UsageError(
            f"k (clusters) must be at most the number of nodes ({data.num_nodes} "
            f"in {config.dataset_label(data)}), got {k}"
        )
    return k


def _scores(data: Data, clusters: list[np.ndarray]) -> dict[str, Any]:
    """The score fields of a result: per run and mean ± std, over the labelled nodes (every
    node is clustered); empty without labels."""
    mask = labelled_nodes(data)
    scores: list[ClusterScores] = []
    if mask is not None:
        labels, keep = data.y[mask].numpy(), mask.numpy()
        scores = [cluster_scores(labels, np.asarray(c)[keep]) for c in clusters]
    out: dict[str, Any] = {"labelled": bool(scores)}
    for name in SCORES:
        values = [getattr(s, name) for s in scores]
        mean, std = mean_std(values) if values else (None, None)
        out |= {name: values, f"{name}_mean": mean, f"{name}_std": std}
    return out


# -- the auto-encoders, as a task of the one loop ---------------------------------------------


@dataclass
class ClusterEpochStats(EpochStats):
    """One epoch of auto-encoder training: the loss only (no labels are looked at)."""


# Not in gcnlab.train.registry: what reads results back by task name (`gcnlab evaluate`,
# `gcnlab rerun`) calls fit() on the registered class, which would run a GAE for a `smooth`
# result; clustering results are re-run with cluster(ClusterConfig(**result["config"])).
class AutoencoderClustering(GraphTask):
    """A GAE or VGAE trained to reconstruct every edge of the graph; after the last epoch, k-means
    on each run's embeddings (the VGAE's means) with the run's seed."""

    name = "cluster"
    config_type = ClusterConfig
    stats_type = ClusterEpochStats
    result_type = ClusterResult
    test_metrics: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ClusterConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        self.num_clusters = number_of_clusters(data, config)
        self.x = cluster_features(data, config).to(device)  # [N, F]
        edge_index, _ = remove_self_loops(data.edge_index)
        edge_index = coalesce(edge_index, num_nodes=data.num_nodes)  # [2, E], both directions
        self.adj = normalized_adjacency(edge_index, num_nodes=data.num_nodes).to(device)
        self.reconstruction = resolve_loss("auto", data.num_nodes)
        self.recon = self._recon(edge_index.to(device), data.num_nodes)

    def _recon(self, edge_index: Tensor, n: int) -> Callable[[Tensor], Tensor]:
        if self.reconstruction == "dense":
            # the GAE paper's target: the adjacency plus the identity, weighted as in link.py
            loops = torch.arange(n, device=edge_index.device)
            target = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
            pos_weight, norm = reconstruction_weights(n, edge_index.size(1))
            return lambda z: dense_recon_loss(z, target, pos_weight, norm)
        pos = edge_index[:, edge_index[0] < edge_index[1]]  # each edge once
        keys = edge_keys(pos, n)

        def sampled(z: Tensor) -> Tensor:
            neg, valid = sample_non_edges(keys, n, pos.size(1))
            return sampled_recon_loss(z, pos, neg, valid)

        return sampled

    @property
    def model_name(self) -> str:
        return self.config.method

    @property
    def dataset(self) -> str:
        return self.config.dataset_label(self.data)

    def build_model(self) -> GAE:
        c, f = self.config, self.x.shape[1]
        if c.method == "vgae":
            return VGAE(VariationalGCNEncoder(f, c.hidden, c.latent)).to(self.device)
        return GAE(GCNEncoder(f, c.hidden, c.latent)).to(self.device)

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        # one full-batch gradient step on the whole graph
        optimizer.zero_grad()
        z, kl = model(self.x, self.adj)  # z: [N, latent]
        loss = self.recon(z)
        if kl is not None:
            loss = loss + kl / self.x.shape[0]  # the GAE paper's scaling of the KL term
        loss.backward()
        optimizer.step()
        return loss.detach()

    def evaluate(self, model: torch.nn.Module) -> Tensor:
        return torch.empty(0)  # nothing to measure: no labels are looked at while training

    def selection(self) -> Selection:
        return Selection(None, "the last epoch (clustering has no validation signal)")

    def summarize(self, picked: list[ClusterEpochStats]) -> dict[str, Any]:
        return {}

    @torch.no_grad()
    def embed(self, state: dict[str, Tensor]) -> Tensor:
        """The embeddings ``[N, latent]`` of a run's weights (the VGAE's means), on the CPU."""
        model = self.build_model()
        model.load_state_dict(state)
        model.eval()
        return model.encode(self.x, self.adj).cpu()

    def extras(self, runs: SeededRuns) -> dict[str, Any]:
        clusters, embedding = [], None
        for seed, state in zip(runs.seeds, runs.states, strict=True):
            z = self.embed(state)  # [N, latent]
            embedding = z if embedding is None else embedding
            clusters.append(kmeans(z, self.num_clusters, restarts=self.config.restarts, seed=seed))
        return {
            "num_clusters": self.num_clusters,
            "restarts": self.config.restarts,
            **_scores(self.data, clusters),
            "clusters": [c.tolist() for c in clusters],
            "node_ids": node_names(self.data),
            "embedding": embedding,
        }

    def describe(self, best: ClusterEpochStats) -> str:
        return f"loss {best.loss:.4f} at epoch {best.epoch}"


# -- the methods --------------------------------------------------------------------------------

OnEpoch = Callable[[ClusterEpochStats], None]
OnRun = Callable[[RunClusters], None]


class Autoencoder:
    """``gae`` / ``vgae``: trained by the one loop, then k-means on the embeddings."""

    trained = True

    def __init__(self, name: str, description: str) -> None:
        self.name, self.description = name, description

    def cluster(
        self, config: ClusterConfig, on_epoch: OnEpoch | None, on_run: OnRun | None
    ) -> ClusterResult:
        result = fit(AutoencoderClustering, config, on_epoch=on_epoch)
        if on_run is not None:
            for seed, clusters in zip(result.seeds, result.clusters, strict=True):
                on_run(RunClusters(seed, np.asarray(clusters)))
        return result


class TrainingFree:
    """A method without weights: an embedding per run, then k-means (see
    :mod:`gcnlab.community.methods`)."""

    trained = False

    def __init__(
        self,
        name: str,
        description: str,
        runs: Callable[[Data, SparseMatrix, int, ClusterConfig, list[int]], list[RunClusters]],
    ) -> None:
        self.name, self.description, self._runs = name, description, runs

    def cluster(
        self, config: ClusterConfig, on_epoch: OnEpoch | None, on_run: OnRun | None
    ) -> ClusterResult:
        config.validate()
        data = config.load_graph()
        k = number_of_clusters(data, config)
        x = cluster_features(data, config)
        seeds = [config.seed + r for r in range(config.runs)]
        start = time.perf_counter()
        runs = self._runs(data, x, k, config, seeds)
        seconds = time.perf_counter() - start
        if on_run is not None:
            for run in runs:
                on_run(run)
        return ClusterResult(
            model=self.name,
            dataset=config.dataset_label(data),
            runs=len(runs),
            seeds=seeds,
            best_epoch=[],
            epochs=[],
            seconds=seconds,
            device="cpu",
            config=dataclasses.asdict(config),
            versions=versions(),
            fingerprint=dataset_fingerprint(data),
            num_clusters=k,
            restarts=config.restarts,
            **_scores(data, [r.clusters for r in runs]),
            power=[r.power for r in runs if r.power is not None],
            stopped_by=[r.stopped_by for r in runs if r.stopped_by is not None],
            clusters=[r.clusters.tolist() for r in runs],
            node_ids=node_names(data),
            embedding=runs[0].embedding,
        )


def _feature_kmeans(
    data: Data, x: SparseMatrix, k: int, config: ClusterConfig, seeds: list[int]
) -> list[RunClusters]:
    return _kmeans_runs(x.to_dense(), k, config, seeds)  # features: [N, F]


def _spectral(
    data: Data, x: SparseMatrix, k: int, config: ClusterConfig, seeds: list[int]
) -> list[RunClusters]:
    embedding = adjacency_eigenvectors(data.edge_index, data.num_nodes, k)  # [N, k]
    return _kmeans_runs(embedding, k, config, seeds)


def _kmeans_runs(
    embedding: Tensor, k: int, config: ClusterConfig, seeds: list[int]
) -> list[RunClusters]:
    """k-means of one fixed embedding, once per seed; the first run keeps the embedding."""
    return [
        RunClusters(
            seed,
            kmeans(embedding, k, restarts=config.restarts, seed=seed),
            embedding if i == 0 else None,
        )
        for i, seed in enumerate(seeds)
    ]


def _smooth(
    data: Data, x: SparseMatrix, k: int, config: ClusterConfig, seeds: list[int]
) -> list[RunClusters]:
    runs = smooth_clusters(
        x,
        data.edge_index,
        data.num_nodes,
        k,
        seeds,
        restarts=config.restarts,
        max_power=config.max_power,
        power=config.power,
        assign=config.assign,
    )
    return [RunClusters(r.seed, r.clusters, r.embedding, r.power, r.stopped_by) for r in runs]


METHODS: dict[str, Autoencoder | TrainingFree] = {
    m.name: m
    for m in (
        Autoencoder("gae", "graph auto-encoder trained on every edge, then k-means"),
        Autoencoder("vgae", "variational graph auto-encoder trained on every edge, then k-means"),
        TrainingFree(
            "smooth",
            "AGC: features smoothed p times by (I + Â)/2, p chosen without "
            "labels, then spectral clustering",
            _smooth,
        ),
        TrainingFree("kmeans", "k-means on the features alone (no graph)", _feature_kmeans),
        TrainingFree("spectral", "spectral clustering of the graph alone (no features)", _spectral),
    )
}


def cluster(
    config: ClusterConfig | None = None,
    *,
    on_epoch: OnEpoch | None = None,
    on_run: OnRun | None = None,
) -> ClusterResult:
    """Run ``config.method`` for ``config.runs`` seeds and score the clusters.

    Args:
        config: what to run (default: AGC's smoothing on Cora, 10 runs).
        on_epoch: trained methods: called after every epoch of every run.
        on_run: called with each run's :class:`RunClusters` once the method has finished.

    Raises:
        UsageError: a bad config, ``k`` above the number of nodes, or no labels and no ``k``.
    """
    config = config or ClusterConfig()
    config.validate()
    resolve_device(config.device)  # a bad --device fails here, before any work
    return METHODS[config.method].cluster(config, on_epoch, on_run)
