"""Community detection: embed the nodes, cluster them with k-means, score against the classes.

``cluster(ClusterConfig(...))`` loads a dataset, runs one method for ``config.runs`` seeds
(seed, seed + 1, ...) and reports ACC, NMI, ARI and macro-F1 (:mod:`gcnlab.tasks.cluster_metrics`)
per run and as mean ± sample standard deviation. A method is a registered object
(:data:`METHODS`); each ends in k-means with ``config.restarts`` restarts, seeded by the run.

Labels are used for scoring only, never to choose anything. A graph without labels is clustered
all the same; its scores are left empty.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data import planetoid
from gcnlab.data.datasets import check_name, load_dataset, resolve_root
from gcnlab.errors import UsageError
from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.io.results import versions
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.tasks.cluster_metrics import ClusterScores, cluster_scores
from gcnlab.tasks.clustering import ASSIGNMENTS, kmeans, smooth_clusters, spectral_embedding
from gcnlab.tasks.loop import MAX_RUNS
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = ("raw", "normalized")
SCORES: tuple[str, ...] = ("acc", "nmi", "ari", "f1")


@dataclass
class ClusterConfig:
    """What :func:`cluster` runs; the defaults are the protocol of ``docs/clustering.md``."""

    dataset: str = "cora"  # cora | citeseer | pubmed | karate
    method: str = "smooth"  # a name in METHODS: kmeans | spectral | smooth
    k: int | None = None  # clusters (default: the number of classes)
    runs: int = 10  # seeded runs: seed, seed + 1, ...
    seed: int = 0  # first seed; seeds k-means (and, for trained methods, the model)
    restarts: int = 10  # k-means restarts per clustering (k-means++ starts, best inertia kept)
    features: str = "raw"  # raw: as stored (binary words on Cora, CiteSeer: AGC's and the GAE
    # paper's input); normalized: rows summing to 1 (the GCN paper's)
    power: int | None = None  # smooth: a fixed smoothing order (default: AGC's adaptive choice)
    max_power: int = 60  # smooth: the largest order the adaptive rule tries (AGC's 60)
    assign: str = "spectral"  # smooth: spectral (AGC's: top singular vectors of X̄) | kmeans
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for out-of-range values (the bound of ``k``
        by the number of nodes is checked once the graph is loaded)."""
        check_name(self.dataset)
        checks = [
            (
                self.method in METHODS,
                f"method must be one of {', '.join(METHODS)}, got {self.method!r}",
            ),
            (self.k is None or self.k >= 1, f"k (clusters) must be at least 1, got {self.k}"),
            (1 <= self.runs <= MAX_RUNS, f"runs must be between 1 and {MAX_RUNS}, got {self.runs}"),
            (self.seed >= 0, f"seed must be >= 0, got {self.seed}"),
            (self.restarts >= 1, f"restarts must be at least 1, got {self.restarts}"),
            (
                self.features in FEATURES,
                f"features must be one of {', '.join(FEATURES)}, got {self.features!r}",
            ),
            (self.power is None or self.power >= 1, f"power must be at least 1, got {self.power}"),
            (self.max_power >= 1, f"max power must be at least 1, got {self.max_power}"),
            (
                self.assign in ASSIGNMENTS,
                f"assign must be one of {', '.join(ASSIGNMENTS)}, got {self.assign!r}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)


@dataclass
class Inputs:
    """A loaded graph in the form the methods take."""

    data: Data  # edge_index [2, E], num_nodes, y [N] or None
    x: SparseMatrix  # features [N, F] as config.features asks
    num_clusters: int


@dataclass
class RunClusters:
    """One run of a method."""

    seed: int
    clusters: np.ndarray  # [N] cluster ids
    embedding: Tensor | np.ndarray | None = None  # what k-means clustered (kept for run 1)
    power: int | None = None  # smooth: the smoothing order used


class Method(Protocol):
    """A clustering method: its runs, one per seed, from the loaded inputs."""

    name: str
    description: str

    def run(
        self,
        inputs: Inputs,
        config: ClusterConfig,
        seeds: list[int],
        on_run: Callable[[RunClusters], None],
    ) -> list[RunClusters]: ...


class FeatureKMeans:
    name = "kmeans"
    description = "k-means on the features alone (no graph)"

    def run(
        self,
        inputs: Inputs,
        config: ClusterConfig,
        seeds: list[int],
        on_run: Callable[[RunClusters], None],
    ) -> list[RunClusters]:
        features = inputs.x.to_dense()  # [N, F]
        out = []
        for seed in seeds:
            clusters = kmeans(features, inputs.num_clusters, restarts=config.restarts, seed=seed)
            out.append(RunClusters(seed, clusters, features if not out else None))
            on_run(out[-1])
        return out


class Spectral:
    name = "spectral"
    description = (
        "spectral clustering of the graph alone (top eigenvectors of the normalized "
        "adjacency, rows scaled to unit length)"
    )

    def run(
        self,
        inputs: Inputs,
        config: ClusterConfig,
        seeds: list[int],
        on_run: Callable[[RunClusters], None],
    ) -> list[RunClusters]:
        data = inputs.data
        embedding = spectral_embedding(data.edge_index, data.num_nodes, inputs.num_clusters)
        out = []
        for seed in seeds:
            clusters = kmeans(embedding, inputs.num_clusters, restarts=config.restarts, seed=seed)
            out.append(RunClusters(seed, clusters, embedding if not out else None))
            on_run(out[-1])
        return out


class Smooth:
    name = "smooth"
    description = (
        "AGC: features smoothed p times by (I + Â)/2, p chosen without labels, "
        "then spectral clustering"
    )

    def run(
        self,
        inputs: Inputs,
        config: ClusterConfig,
        seeds: list[int],
        on_run: Callable[[RunClusters], None],
    ) -> list[RunClusters]:
        data = inputs.data
        runs = smooth_clusters(
            inputs.x,
            data.edge_index,
            data.num_nodes,
            inputs.num_clusters,
            seeds,
            restarts=config.restarts,
            max_power=config.max_power,
            power=config.power,
            assign=config.assign,
        )
        out = [RunClusters(r.seed, r.clusters, r.embedding, r.power) for r in runs]
        for run in out:
            on_run(run)
        return out


METHODS: dict[str, Method] = {m.name: m for m in (FeatureKMeans(), Spectral(), Smooth())}


@dataclass
class ClusterResult:
    """The outcome of :func:`cluster`. Scores are fractions (ARI in [-1, 1]); with no labels
    the score lists are empty and the means ``None``."""

    dataset: str
    method: str
    runs: int
    seeds: list[int]
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
    power: list[int]  # smooth: the order each run used; empty for other methods
    seconds: float  # time in the method (loading excluded)
    device: str
    config: dict
    versions: dict = field(default_factory=dict)
    task: str = "cluster"
    partial: bool = False
    fingerprint: str = ""  # SHA-256 of the dataset's tensors (gcnlab.io.checkpoint)
    # per run, the cluster of every node [N]; not written to the JSON (see --save-clusters)
    clusters: list[list[int]] = field(default_factory=list, repr=False)
    # what k-means clustered in run 1 [N, D], for the figures; not written to the JSON
    embedding: Tensor | np.ndarray | None = field(default=None, repr=False)


NOT_IN_JSON = ("clusters", "embedding")


def _features(data: Data, config: ClusterConfig) -> SparseMatrix:
    if config.features == "raw" and data.name in planetoid.NAMES:
        # load_dataset row-normalizes (the GCN paper's input); AGC and the GAE paper use raw words
        return SparseMatrix.from_tensor(
            planetoid.read_planetoid(resolve_root(config.root), data.name).x
        )
    return SparseMatrix.from_tensor(data.x)  # karate's one-hot ids are raw and normalized at once


def prepare(config: ClusterConfig, data: Data | None = None) -> Inputs:
    """Load (or take) the graph and its features; check ``k`` against it."""
    data = data if data is not None else load_dataset(config.dataset, config.root)
    labelled = getattr(data, "y", None) is not None
    if config.k is None and not labelled:
        raise UsageError(f"{data.name} has no labels to count classes from: give k (clusters)")
    k = config.k if config.k is not None else int(data.y.max()) + 1
    if k > data.num_nodes:
        raise UsageError(
            f"k (clusters) must be at most the number of nodes ({data.num_nodes} "
            f"in {data.name}), got {k}"
        )
    return Inputs(data, _features(data, config), k)


def _scores(data: Data, runs: list[RunClusters]) -> list[ClusterScores]:
    if getattr(data, "y", None) is None:
        return []
    return [cluster_scores(data.y, r.clusters) for r in runs]


def cluster(
    config: ClusterConfig | None = None,
    *,
    data: Data | None = None,
    on_run: Callable[[RunClusters], None] | None = None,
) -> ClusterResult:
    """Run ``config.method`` for ``config.runs`` seeds and score the clusters.

    Args:
        config: what to run (default: AGC's smoothing on Cora, 10 runs).
        data: a graph to use instead of loading ``config.dataset`` (``x``, ``edge_index``,
            ``y`` optional, ``name``).
        on_run: called after each run with its :class:`RunClusters`.

    Raises:
        UsageError: a bad config, ``k`` above the number of nodes, or no labels and no ``k``.
    """
    config = config or ClusterConfig()
    config.validate()
    inputs = prepare(config, data)
    method = METHODS[config.method]
    seeds = [config.seed + r for r in range(config.runs)]
    log.info(
        "%s on %s: %d clusters, %d runs",
        method.name,
        inputs.data.name,
        inputs.num_clusters,
        config.runs,
    )
    start = time.perf_counter()
    runs = method.run(inputs, config, seeds, on_run or (lambda run: None))
    seconds = time.perf_counter() - start
    return _result(config, inputs, runs, seconds)


def _result(
    config: ClusterConfig,
    inputs: Inputs,
    runs: list[RunClusters],
    seconds: float,
    device: str = "cpu",
) -> ClusterResult:
    scores = _scores(inputs.data, runs)
    summary: dict[str, object] = {}
    for name in SCORES:
        values = [getattr(s, name) for s in scores]
        mean, std = mean_std(values) if values else (None, None)
        summary |= {name: values, f"{name}_mean": mean, f"{name}_std": std}
    return ClusterResult(
        dataset=inputs.data.name,
        method=config.method,
        runs=len(runs),
        seeds=[r.seed for r in runs],
        num_clusters=inputs.num_clusters,
        restarts=config.restarts,
        labelled=bool(scores),
        **summary,  # type: ignore[arg-type]
        power=[r.power for r in runs if r.power is not None],
        seconds=seconds,
        device=device,
        config=dataclasses.asdict(config),
        versions=versions(),
        fingerprint=dataset_fingerprint(inputs.data),
        clusters=[r.clusters.tolist() for r in runs],
        embedding=runs[0].embedding,
    )
