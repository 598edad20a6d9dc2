"""The settings of a node-classification run (:class:`NodeConfig`), without torch.

Each field carries its command-line option (help, bounds, choices; :mod:`gcnlab.utils.settings`),
so ``gcnlab train`` is derived from this class; :mod:`gcnlab.tasks.node` trains it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gcnlab.data.choices import ORDER_NAMES
from gcnlab.errors import UsageError
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
# the model (gcnlab.nn.family_models): the GCN paper's, or one of the GCN family's
MODELS: tuple[str, ...] = ("gcn", "sgc", "appnp", "gcnii")
# the fields each model reads beyond the shared ones (anything else given for it is refused)
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    "gcn": ("hidden", "dropout", "propagation", "layers", "residual", "bias", "batch", "parts",
            "clusters_per_batch", "partition_file"),
    "sgc": ("k",),
    "appnp": ("hidden", "dropout", "k", "alpha", "bias"),
    "gcnii": ("hidden", "dropout", "layers", "alpha", "theta", "conv_weight_decay"),
}
# every model-specific field, and the models that read it
SPECIFIC: dict[str, tuple[str, ...]] = {
    name: tuple(m for m, fields in MODEL_FIELDS.items() if name in fields)
    for name in dict.fromkeys(f for fields in MODEL_FIELDS.values() for f in fields)
}
# Each paper's hyper-parameters: its model's defaults where the caller sets nothing
# (NodeConfig.for_model, `gcnlab train --model`). gcn: the fields' own defaults (Kipf & Welling
# 2017). sgc: Wu et al. 2019, Section 5 and the official code (Tiiiger/SGC: Adam at 0.2 for 100
# epochs, no dropout, the test accuracy of the last epoch, K=2; weight decay tuned per dataset on
# the validation set, the values in its SGC-tuning/*.txt). appnp: Klicpera et al. 2019,
# Section 6 and the official code (gasteigerjo/ppnp: 64 hidden, dropout 0.5 on both layers and
# on the propagation's adjacency, L2 5e-3 on the first layer, Adam at 0.01, at most 10 000
# epochs, stopping after 100 without a better validation accuracy or loss; K=10, alpha=0.1). gcnii:
# Chen et al. 2020, Section 6.1 and the official code (chennnM/GCNII, train.py and semi.sh:
# Adam at 0.01, 1500 epochs, patience 100 on the validation loss, the epoch of the lowest
# validation loss; L2 0.01 on the convolutions and 5e-4 on the dense layers; alpha 0.1).
PAPER_SETTINGS: dict[str, dict[str, object]] = {
    "gcn": {},
    "sgc": dict(lr=0.2, epochs=100, weight_decay=1.3e-5, dropout=0.0, patience=0,
                select="last", k=2),
    "appnp": dict(lr=0.01, epochs=10_000, weight_decay=5e-3, hidden=64, dropout=0.5,
                  patience=100, select="val_acc", k=10, alpha=0.1),
    "gcnii": dict(lr=0.01, epochs=1500, weight_decay=5e-4, conv_weight_decay=0.01, hidden=64,
                  dropout=0.6, patience=100, select="val_loss", layers=64, alpha=0.1, theta=0.5),
}
# where a paper tuned per dataset (Cora's are above; other graphs get Cora's): SGC's tuned
# weight decay (SGC-tuning/{citeseer,pubmed}.txt: 2.35e-5, 7.40e-5) and its README's 150 epochs
# for CiteSeer; GCNII's semi.sh
PAPER_SETTINGS_BY_DATASET: dict[tuple[str, str], dict[str, object]] = {
    ("sgc", "citeseer"): dict(weight_decay=2.35e-5, epochs=150),
    ("sgc", "pubmed"): dict(weight_decay=7.4e-5),
    ("gcnii", "citeseer"): dict(layers=32, hidden=256, theta=0.6, dropout=0.7),
    ("gcnii", "pubmed"): dict(
        layers=16, hidden=256, theta=0.4, dropout=0.5, conv_weight_decay=5e-4
    ),
}


def paper_settings(model: str, dataset: str = "cora") -> dict[str, object]:
    """The hyper-parameters ``model``'s paper gives on ``dataset`` (Cora's for a graph the paper
    did not use); for ``gcn``, none (NodeConfig's defaults are the GCN paper's)."""
    if model not in PAPER_SETTINGS:
        raise UsageError(f"choose a model among {', '.join(MODELS)}, got {model!r}")
    key = (model, dataset.strip().lower())
    return {**PAPER_SETTINGS[model], **PAPER_SETTINGS_BY_DATASET.get(key, {})}


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
    # gcnlab.nn.family_models; the others' defaults come from their papers (for_model)
    model: str = option(
        "gcn",
        "The model: the GCN paper's, SGC (Wu et al. 2019), APPNP (Klicpera et al. 2019) or "
        "GCNII (Chen et al. 2020); every option not given takes that model's paper's value.",
        choices=MODELS,
    )
    hidden: int = option(16, "Hidden units.", min=1, max=bounds.MAX_HIDDEN)
    # before each layer; on sparse features, the non-zeros only
    dropout: float = option(0.5, "Dropout probability, in [0, 1).")
    weight_decay: float = option(  # the first layer's only, as in the paper
        5e-4,
        "L2 on the first layer's weights (sgc: on all; gcnii: on the dense layers).",
        min=0.0,
        guard=bounds.MAX_WEIGHT_DECAY,
    )
    # the original code's rule: after `patience` epochs, stop when the validation loss exceeds
    # the mean of the previous `patience`
    patience: int = option(
        10,
        "Early stopping: stop when the validation loss is above the mean of this many epochs "
        "before it (appnp: after this many epochs with neither a better validation accuracy nor "
        "loss; gcnii: without a lower validation loss; 0: off).",
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
    # the GCN family's own settings; None: unset (NodeConfig.for_model fills the paper's)
    k: int | None = option(
        None, "sgc, appnp: propagation steps K (default: SGC 2, APPNP 10).", min=1,
        max=bounds.MAX_LAYERS,
    )
    alpha: float | None = option(
        None,
        "appnp: teleport probability; gcnii: initial-residual strength; in (0, 1] (default: "
        "0.1).",
    )
    theta: float | None = option(
        None,
        "gcnii: lambda in the identity mapping's beta = log(lambda / layer + 1), > 0 (default: "
        "0.5 on Cora).",
    )
    conv_weight_decay: float | None = option(
        None, "gcnii: L2 on the convolutions' weights (default: 0.01 on Cora).", min=0.0,
        guard=bounds.MAX_WEIGHT_DECAY,
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
                one_of("model", self.model, MODELS),
                *self.model_checks(),
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

    @classmethod
    def for_model(cls, model: str = "gcn", **fields: object) -> NodeConfig:
        """The config of ``model`` with its paper's hyper-parameters on ``fields["dataset"]``
        (:func:`paper_settings`), and ``fields`` over them. ``NodeConfig(model=...)`` takes the
        fields as given: GCN's defaults, and no K, alpha or theta."""
        dataset = str(fields.get("dataset", cls.dataset))
        return cls(model=model, **{**paper_settings(model, dataset), **fields})

    def with_paper_settings(self, given: set[str] | frozenset[str] = frozenset()) -> NodeConfig:
        """This config with its model's paper settings on every field not named in ``given``
        (what the command line set)."""
        settings = paper_settings(self.model, self.dataset)
        return dataclasses.replace(
            self, **{k: v for k, v in settings.items() if k not in given}
        )

    def unused(self, given: set[str] | frozenset[str]) -> list[str]:
        """The fields in ``given`` that this config's model does not read."""
        return [
            name for name in SPECIFIC if name in given and self.model not in SPECIFIC[name]
        ]

    def model_checks(self) -> list:
        """The GCN family's settings: set where the model reads them, in range."""
        uses = MODEL_FIELDS.get(self.model, ())
        needed = [
            (
                getattr(self, name) is not None,
                f"--model {self.model} needs --{name.replace('_', '-')} (NodeConfig.for_model "
                f"gives the paper's)",
            )
            for name in ("k", "alpha", "theta", "conv_weight_decay")
            if name in uses
        ]
        return needed + [
            (self.k is None or self.k >= 1, f"K must be at least 1, got {self.k}"),
            (
                self.alpha is None or 0.0 < self.alpha <= 1.0,
                f"alpha must be in (0, 1], got {self.alpha}",
            ),
            (self.theta is None or self.theta > 0, f"theta must be > 0, got {self.theta}"),
            (
                self.conv_weight_decay is None
                or 0.0 <= self.conv_weight_decay <= bounds.MAX_WEIGHT_DECAY,
                f"conv weight decay must be between 0 and {bounds.MAX_WEIGHT_DECAY:g}, "
                f"got {self.conv_weight_decay}",
            ),
            (
                self.model == "gcn" or (self.propagation == "renormalization"
                                        and not self.residual),
                f"--propagation and --residual apply to --model gcn, not {self.model}",
            ),
        ]

    @property
    def variant(self) -> str:
        """The task class that trains this config (:data:`gcnlab.train.registry.BUILT_IN`):
        ``full`` or ``clusters`` (Cluster-GCN mini-batches)."""
        return self.batch

    @property
    def is_paper_gcn(self) -> bool:
        """The two-layer GCN of the paper's Table 2 (:class:`~gcnlab.GCN`)."""
        return (
            self.model == "gcn"
            and self.propagation == "renormalization"
            and self.layers == 2
            and not self.residual
        )


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
