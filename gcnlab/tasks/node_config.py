"""The settings of a node-classification run (:class:`NodeConfig`), without torch.

Each field carries its command-line option (help, bounds, choices; :mod:`gcnlab.utils.settings`),
so ``gcnlab train`` is derived from this class; :mod:`gcnlab.tasks.node` trains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gcnlab.data.choices import ORDER_NAMES
from gcnlab.nn.choices import Propagation
from gcnlab.train import bounds
from gcnlab.train.config import RunConfig, in_range, one_of
from gcnlab.train.graph_input import DATASET_HELP, GraphInput
from gcnlab.utils.settings import not_option, option

# the reported epoch (gcnlab.tasks.node.SELECTIONS): best validation accuracy (ties: lower
# validation loss), lowest validation loss, or the last (where early stopping ended the run)
SELECTS: tuple[str, ...] = ("val_acc", "val_loss", "last")
# the GCN paper's Table 3
PROPAGATIONS: tuple[str, ...] = tuple(p.value for p in Propagation)
# full-batch training, or Cluster-GCN mini-batches (the registry picks the task class by `variant`)
BATCHES: tuple[str, ...] = ("full", "clusters")
REORDERS = ORDER_NAMES  # node orders (gcnlab.data.reorder)


@dataclass(kw_only=True)
class NodeConfig(GraphInput, RunConfig):
    """Hyper-parameters of a node-classification run; defaults are the paper's. The graph's
    fields (``dataset``, ``root``, ``directed``, ...) are :class:`~gcnlab.train.graph_input.
    GraphInput`'s."""

    dataset: str = option(
        "cora", f"{DATASET_HELP} (digits: 'gcnlab digits')", argument=True
    )
    # gcnlab.data.splits.SplitSpec; auto: the graph's own split, else random; folds: run i tests
    # on fold i mod K (cross-validation)
    split: str = option(
        "auto",
        "auto (the graph's own split, else random), file, public (Planetoid's), random "
        "(20 per class, 500 val, 1000 test; random:K,V,T), fractions such as 0.6,0.2,0.2, or "
        "folds:K (K-fold cross-validation, run i tests on fold i; needs --select last "
        "--patience 0); @SEED fixes a random split for every run.",
    )
    hidden: int = option(16, "Hidden units.", min=1, max=bounds.MAX_HIDDEN)
    # before each layer; on sparse features, the non-zeros only
    dropout: float = option(0.5, "Dropout probability, in [0, 1).")
    weight_decay: float = option(  # the first layer's only, as in the paper
        5e-4, "L2 on the first layer's weights.", min=0.0, guard=bounds.MAX_WEIGHT_DECAY
    )
    # the original code's rule: after `patience` epochs, stop when the validation loss exceeds
    # the mean of the previous `patience`
    patience: int = option(
        10,
        "Early stopping: stop when the validation loss is above the mean of this many epochs "
        "before it (0: off).",
        min=0,
    )
    bias: bool = option(False, "Add a bias to each layer (the paper has none).", flag="--bias")
    # keep features sparse (CSR) as the original code does, where they are sparse (density below
    # gcnlab.nn.sparse.SPARSE_FEATURES_MAX_DENSITY)
    sparse_features: bool = not_option(True)
    select: str = option(
        "val_acc",
        "The epoch whose test accuracy is reported: best validation accuracy, lowest "
        "validation loss, or the last.",
        choices=SELECTS,
    )
    propagation: str = option(
        "renormalization",
        "The propagation model (GCN paper, Table 3); renormalization is the GCN.",
        choices=PROPAGATIONS,
    )
    layers: int = option(
        2, "Number of layers (the paper: 2; Appendix B: 1 to 10).", min=1, max=bounds.MAX_LAYERS
    )
    residual: bool = option(
        False, "Residual connections between hidden layers.", flag="--residual"
    )
    # applied once, undone on every per-node output (gcnlab.data.reorder)
    reorder: str = option(
        "none",
        "Node order for locality (outputs stay in the dataset's order); rcm and metis help "
        "random and power-law graphs.",
        choices=REORDERS,
    )
    # clusters: gcnlab.tasks.node_cluster_gcn, one step per batch, across torchrun's processes
    batch: str = option(
        "full",
        "full (one step on the whole graph) or clusters (Cluster-GCN mini-batches; needed "
        "under torchrun with several processes).",
        choices=BATCHES,
    )
    parts: int = option(16, "clusters: METIS parts of the graph.", min=1, max=bounds.MAX_PARTS)
    clusters_per_batch: int = option(
        4, "clusters: parts per mini-batch.", min=1, max=bounds.MAX_PARTS
    )
    partition_file: str | None = option(
        None,
        "clusters: keep the METIS parts in this .npz file: read when it exists (and was made "
        "for this graph, --parts and seed), else computed and written.",
        file_only=True,
    )

    def checks(self) -> list:
        from gcnlab.data.splits import SplitSpec

        spec = SplitSpec.parse(self.split)  # raises UsageError naming the forms it accepts
        return (
            super().checks()
            + self.graph_checks()
            + classifier_checks(self)
            + [
                # cross-validation has no validation set: nothing may choose by the test fold
                (
                    spec.kind != "folds" or (self.select == "last" and self.patience == 0),
                    "a folds split has no validation set; use it with --select last --patience 0",
                ),
                in_range("patience", self.patience, 0, bounds.MAX_EPOCHS),
                one_of("select", self.select, SELECTS),
                one_of("propagation", self.propagation, PROPAGATIONS),
                in_range("layers", self.layers, 1, bounds.MAX_LAYERS),
                (
                    self.batch == "full" or self.is_paper_gcn,
                    "--batch clusters trains the paper's two-layer GCN; --propagation, --layers "
                    "and --residual need --batch full",
                ),
                one_of("reorder", self.reorder, REORDERS),
                one_of("batch", self.batch, BATCHES),
                in_range("parts", self.parts, 1, bounds.MAX_PARTS),
                in_range("clusters per batch", self.clusters_per_batch, 1, self.parts),
                (
                    self.partition_file is None or self.batch == "clusters",
                    "--partition-file keeps the METIS parts of --batch clusters",
                ),
                (
                    self.batch == "full"
                    or SplitSpec.parse(self.split).kind in ("auto", "file", "public"),
                    "--batch clusters trains on the graph's own split; a random or fractional "
                    "--split (drawn per run) needs --batch full",
                ),
            ]
        )

    @property
    def variant(self) -> str:
        """The task class that trains this config (:data:`gcnlab.train.registry.BUILT_IN`):
        ``full`` or ``clusters`` (Cluster-GCN mini-batches)."""
        return self.batch

    @property
    def is_paper_gcn(self) -> bool:
        """The two-layer GCN of the paper's Table 2 (:class:`~gcnlab.GCN`)."""
        return self.propagation == "renormalization" and self.layers == 2 and not self.residual


def classifier_checks(config: Any) -> list:
    """Checks of ``hidden`` (if it has one), ``dropout`` and ``weight_decay``, shared by the
    classifiers."""
    width = (
        [in_range("hidden", config.hidden, 1, bounds.MAX_HIDDEN)]
        if hasattr(config, "hidden")
        else []
    )
    return width + [
        (
            0.0 <= config.dropout < bounds.MAX_DROPOUT,
            f"dropout must be in [0, 1), got {config.dropout}",
        ),
        (
            0.0 <= config.weight_decay <= bounds.MAX_WEIGHT_DECAY,
            f"weight decay must be between 0 and {bounds.MAX_WEIGHT_DECAY:g}, "
            f"got {config.weight_decay}",
        ),
    ]
