"""What every task on one stored graph shares: loading it as the config's
:class:`~gcnlab.train.graph_input.GraphInput` fields say (a name, a graph file or a spec), and
describing and fingerprinting it for checkpoints."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch_geometric.data import Data

from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.train.loop import Task


class GraphTask(Task):
    """A :class:`~gcnlab.train.loop.Task` whose config is a
    :class:`~gcnlab.train.graph_input.GraphInput` (``dataset``, ``root``, how to read it)."""

    def __init__(self, config: Any, device: torch.device, data: Data) -> None:
        super().__init__(config, device)
        self.data = data

    @classmethod
    def prepare(cls, config: Any, device: torch.device, root: str | None = None) -> GraphTask:
        if root is not None:
            config = dataclasses.replace(config, root=root)
        return cls(config, device, config.load_graph())

    def fingerprint(self) -> str:
        return dataset_fingerprint(self.data)

    def data_source(self) -> str:
        return self.config.data_source()

    @property
    def data_hint(self) -> str:  # type: ignore[override]
        """How to point at the data a saved run trained on: a graph file by ``--data``, a
        dataset name or a spec by ``--root``."""
        from gcnlab.data.sources import is_spec

        if self.config.is_file and not is_spec(self.config.dataset):
            return "give the graph file it was trained on with --data FILE"
        return "point --root at the data it was trained on"
