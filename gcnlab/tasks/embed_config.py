"""The settings of ``gcnlab embed`` (:class:`EmbedConfig`), without torch: which model gives
the embeddings, and the node or link config it trains (:meth:`EmbedConfig.task_config`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from gcnlab.tasks.link_config import LinkConfig
from gcnlab.tasks.node_config import NodeConfig
from gcnlab.train import bounds
from gcnlab.train.config import RunConfig
from gcnlab.train.graph_input import DATASET_HELP, GraphInput
from gcnlab.utils.settings import option, option_like

MODELS: tuple[str, ...] = ("gcn", "gae", "vgae")  # gcn: NodeConfig; gae, vgae: LinkConfig
NODE_ONLY: tuple[str, ...] = ("split", "labels_file", "label_attr")  # what only gcn reads
LINK_ONLY: tuple[str, ...] = ("latent",)  # what only gae and vgae read


@dataclass(kw_only=True)
class EmbedConfig(GraphInput, RunConfig):
    """The model whose embeddings ``gcnlab embed`` writes, and how to train it."""

    dataset: str = option(
        help=f"{DATASET_HELP} Or a checkpoint (.pt, from --save) whose weights to use without "
        "training.",
        argument=True,
    )
    model: str = option(
        "gcn",
        "gcn: the hidden layer of node classification (needs labels); gae or vgae: the "
        "auto-encoder's latent vectors (no labels needed).",
        choices=MODELS,
    )
    runs: int = option(
        1,
        "Seeded runs; the embeddings come from the one validation prefers.",
        min=1,
        max=bounds.MAX_RUNS,
    )
    # None: the task's own default (NodeConfig's 16, LinkConfig's 32)
    hidden: int | None = option(
        None,
        "Hidden units (default: 16 for gcn, 32 for gae/vgae).",
        min=1,
        max=bounds.MAX_HIDDEN,
    )
    latent: int = option_like(LinkConfig, "latent", 16)
    split: str = option_like(NodeConfig, "split", "auto")

    def unused(self) -> tuple[str, ...]:
        """The fields :attr:`model` does not read."""
        return LINK_ONLY if self.model == "gcn" else NODE_ONLY

    def task_config(self) -> NodeConfig | LinkConfig:
        """The node (gcn) or link (gae, vgae) config that trains :attr:`model`: the fields it
        shares with this config, ``hidden`` left to the task's default when not given."""
        task = NodeConfig if self.model == "gcn" else LinkConfig
        names = {f.name for f in dataclasses.fields(task) if f.init}
        shared = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name in names and f.name not in self.unused() and f.name != "hidden"
        }
        if self.hidden is not None:
            shared["hidden"] = self.hidden
        return task(**shared)
