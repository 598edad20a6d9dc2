"""What a task trained on mini-batches adds to run data-parallel under ``torchrun``.

Every process computes the same batches in the same order from the run's seed; at each step the
processes train on different batches (or slices of one) and
:class:`~torch.nn.parallel.DistributedDataParallel` averages their gradients. The tasks on
mini-batches (:class:`~gcnlab.tasks.node_cluster_gcn.ClusterNodeTask`,
:class:`~gcnlab.tasks.link_cluster_gcn.ClusterLinkTask`,
:class:`~gcnlab.tasks.link_edge_batches.EdgeBatchLinkTask`) take this mixin first among their bases.
"""

from __future__ import annotations

from typing import Any

import torch
from torch_geometric.data import Data

from gcnlab.errors import UsageError
from gcnlab.utils.distributed import data_parallel, rank_and_size
from gcnlab.utils.runtime import seed_everything


class SharedBatches:
    """``rank`` and ``world`` of the process group (0 and 1 without one); ``generator``, seeded
    with the run, which draws the epochs' batches the same on every process; ``ddp`` (set by
    :meth:`build_model`), which averages the gradients over the processes. The loop keeps the
    plain model (state dicts without ``module.``)."""

    config: Any
    device: torch.device

    def __init__(self, config: Any, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)  # type: ignore[call-arg]
        self.rank, self.world = rank_and_size()
        self.generator = torch.Generator()
        self.ddp: torch.nn.Module | None = None

    def check_batches(self, batches: int) -> None:
        """Cluster batches: every process needs one at every step, so refuse fewer batches
        than processes (``config.parts`` in groups of ``config.clusters_per_batch``)."""
        if batches < self.world:
            c = self.config
            raise UsageError(
                f"{c.parts} parts in batches of {c.clusters_per_batch} give {batches} batches "
                f"per epoch, fewer than the {self.world} processes: raise --parts or lower "
                "--clusters-per-batch"
            )

    def seed_run(self, seed: int) -> None:
        seed_everything(seed)
        self.generator.manual_seed(seed)  # the same batches on every process

    def build_model(self) -> torch.nn.Module:
        model = super().build_model()  # type: ignore[misc]
        self.ddp = data_parallel(model, self.device)
        return model
