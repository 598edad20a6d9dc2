"""What every task on one stored graph shares: loading it from the config's dataset and data
root, and describing and fingerprinting it for checkpoints."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch_geometric.data import Data

from gcnlab.data.datasets import load_dataset, resolve_root
from gcnlab.io.checkpoint import dataset_fingerprint
from gcnlab.tasks.loop import Task


class GraphTask(Task):
    """A :class:`~gcnlab.tasks.loop.Task` whose config has ``dataset`` and ``root``."""

    def __init__(self, config: Any, device: torch.device, data: Data) -> None:
        super().__init__(config, device)
        self.data = data

    @classmethod
    def prepare(cls, config: Any, device: torch.device, root: str | None = None) -> GraphTask:
        if root is not None:
            config = dataclasses.replace(config, root=root)
        return cls(config, device, load_dataset(config.dataset, config.root))

    def fingerprint(self) -> str:
        return dataset_fingerprint(self.data)

    def data_source(self) -> str:
        return f"the data root {resolve_root(self.config.root)}"
