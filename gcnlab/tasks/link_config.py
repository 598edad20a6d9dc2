"""The settings of a link-prediction run (:class:`LinkConfig`), without torch.

Each field carries its command-line option (help, bounds, choices; :mod:`gcnlab.utils.settings`),
so ``gcnlab linkpred`` is derived from this class; :mod:`gcnlab.tasks.link` trains it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.train import bounds
from gcnlab.train.config import RunConfig, in_range, one_of
from gcnlab.train.graph_input import GraphInput
from gcnlab.utils.settings import not_option, option

MODELS: tuple[str, ...] = ("gae", "vgae")
LOSSES: tuple[str, ...] = ("auto", "dense", "sampled")
FEATURES: tuple[str, ...] = ("raw", "normalized", "none")
# full-batch training, or Cluster-GCN mini-batches (the registry picks the task class by `variant`)
BATCHES: tuple[str, ...] = ("full", "clusters")


@dataclass(kw_only=True)
class LinkConfig(GraphInput, RunConfig):
    """Hyper-parameters of a link-prediction run; defaults are the paper's. The graph's fields
    (``dataset``, ``root``, ``features_file``, ...) are :class:`~gcnlab.train.graph_input.
    GraphInput`'s.
    """

    # the inner-product decoder is symmetric: a directed graph is refused (checks)
    directed: bool = not_option(False)
    labels_file: str | None = not_option(None)  # links need no node labels
    label_attr: str = not_option("label")
    model: str = option("gae", "The graph auto-encoder: plain or variational.", choices=MODELS)
    hidden: int = option(32, "Hidden units.", min=1, max=bounds.MAX_HIDDEN)  # first GCN layer
    latent: int = option(16, "Embedding size.", min=1, max=bounds.MAX_HIDDEN)  # per node
    # dense: the paper's weighted reconstruction of all N^2 pairs; sampled: the training edges
    # against as many random pairs, each epoch; auto: dense up to
    # gcnlab.nn.autoencoders.DENSE_MAX_NODES nodes
    loss: str = option(
        "auto",
        "dense (the paper's, all N² pairs), sampled (random negatives) or auto (dense up to "
        "10000 nodes).",
        choices=LOSSES,
    )
    # raw: as stored, unnormalized (the paper's: binary words on Cora and CiteSeer); normalized:
    # rows summing to 1 (PyG's example); none: one-hot ids (featureless)
    features: str = option(
        "raw",
        "raw (the paper's), normalized (rows sum to 1) or none (one-hot ids).",
        choices=FEATURES,
    )
    # None: each run splits the edges with its own seed; a number: every run uses the one split
    # this seed draws (the paper's "fixed splits")
    split_seed: int | None = option(
        None,
        "Use one edge split, drawn with this seed, for every run (default: each run splits "
        "with its own seed).",
        min=0,
        max=bounds.MAX_SEED,
    )
    # None: one full-batch step per epoch; a number: edge mini-batches of this many training
    # edges per step, each against as many sampled negatives (gcnlab.tasks.link_edge_batches),
    # split across torchrun's processes
    batch_size: int | None = option(
        None,
        "Edge mini-batches: training edges per step, each against as many sampled negatives "
        "(default: one full-batch step per epoch; needed under torchrun with several "
        "processes, which share each batch).",
        min=1,
        guard=bounds.MAX_EDGE_BATCH_SIZE,
    )
    # clusters: gcnlab.tasks.link_cluster_gcn, one step per batch, encoder and loss on the batch
    # alone, across torchrun's processes
    batch: str = option(
        "full",
        "full (the encoder sees the whole training graph at every step) or clusters "
        "(Cluster-GCN mini-batches of the training graph: encoder and loss on one batch per "
        "step; runs under torchrun with several processes).",
        choices=BATCHES,
    )
    parts: int = option(
        16, "clusters: METIS parts of each run's training graph.", min=1, max=bounds.MAX_PARTS
    )
    clusters_per_batch: int = option(
        4, "clusters: parts per mini-batch.", min=1, max=bounds.MAX_PARTS
    )

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
