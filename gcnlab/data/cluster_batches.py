"""Cluster-GCN mini-batches (Chiang et al., KDD 2019, https://arxiv.org/abs/1905.07953).

The nodes are cut once into ``parts`` clusters (METIS, :func:`~gcnlab.data.partition.metis_parts`).
Each epoch the clusters are shuffled and grouped ``clusters_per_batch`` at a time; a batch is the
subgraph induced by the nodes of its group: every edge between two of its nodes, including edges
between its clusters, and no other. Extracting one costs time and memory in the batch's nodes and
edges (a CSR of the whole graph is kept on the CPU and read row by row), never in the graph's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from gcnlab.data.partition import part_order


@dataclass(frozen=True)
class ClusterBatch:
    """One batch: its nodes (user ids) and the edges among them, in batch-local ids."""

    nodes: Tensor  # [n_b] ids in the whole graph
    edge_index: Tensor  # [2, e_b] (source, target), local ids in [0, n_b)


class ClusterBatches:
    """The clusters of one graph and the batches drawn from them.

    Args:
        edge_index (Tensor): ``[2, E]`` (source, target) edges of the whole graph.
        num_nodes (int): number of nodes.
        part (Tensor): ``[N]`` the cluster of every node, values in ``[0, parts)``.
        clusters_per_batch (int): clusters grouped into one batch.
    """

    def __init__(
        self, edge_index: Tensor, num_nodes: int, part: Tensor, clusters_per_batch: int
    ) -> None:
        self.num_nodes = num_nodes
        self.order, self.starts = part_order(part.cpu())
        self.num_parts = self.starts.numel() - 1
        self.clusters_per_batch = clusters_per_batch
        # CSR by target: row i lists the sources of the messages node i receives
        source, target = edge_index.cpu()
        perm = torch.argsort(target, stable=True)
        self.sources = source[perm]
        counts = torch.bincount(target, minlength=num_nodes)
        self.crow = torch.cat([counts.new_zeros(1), counts.cumsum(0)])
        self._local = torch.full((num_nodes,), -1, dtype=torch.long)  # id -> batch id, reused

    @property
    def num_batches(self) -> int:
        """Batches per epoch: ``ceil(parts / clusters_per_batch)``."""
        return -(-self.num_parts // self.clusters_per_batch)

    def epoch_groups(self, generator: torch.Generator) -> list[Tensor]:
        """This epoch's groups of cluster ids, shuffled with ``generator``."""
        shuffled = torch.randperm(self.num_parts, generator=generator)
        return list(shuffled.split(self.clusters_per_batch))

    def batch(self, clusters: Tensor) -> ClusterBatch:
        """The subgraph induced by the nodes of ``clusters``."""
        # Step 1: the batch's nodes, cluster by cluster
        starts = self.starts
        nodes = torch.cat([self.order[starts[c] : starts[c + 1]] for c in clusters.tolist()])
        # Step 2: every edge into them: the CSR rows of the batch's nodes, concatenated
        begin, counts = self.crow[nodes], self.crow[nodes + 1] - self.crow[nodes]
        offsets = torch.repeat_interleave(begin - (counts.cumsum(0) - counts), counts)
        sources = self.sources[offsets + torch.arange(offsets.numel())]  # [e] whole-graph ids
        targets = torch.repeat_interleave(torch.arange(nodes.numel()), counts)  # [e] local ids
        # Step 3: keep the edges whose source is in the batch too, in local ids
        self._local[nodes] = torch.arange(nodes.numel())
        local_sources = self._local[sources]
        self._local[nodes] = -1  # leave the map clean for the next batch
        keep = local_sources >= 0
        return ClusterBatch(nodes, torch.stack([local_sources[keep], targets[keep]]))
