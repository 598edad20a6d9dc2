"""Node classification with Cluster-GCN mini-batches, on one process or across ``torchrun``'s.

The node task (:class:`~gcnlab.tasks.node.NodeTask`) with one change: an epoch is not one step on
the whole graph but one step per batch of clusters (:class:`~gcnlab.data.cluster_batches.
ClusterBatches`): the model sees the batch's induced subgraph, normalized on its own (Chiang et
al., 2019), and its labelled nodes. Training memory is bounded by the batch. Evaluation is the
node task's, on the whole graph with no autograd state: layer by layer, each layer's output for
all nodes computed from the previous one.

Data-parallel: when a ``torch.distributed`` group is running (``torchrun``, see
``docs/scale.md``), every process builds the same clusters and the same shuffled groups from the
run's seed; at each step process ``r`` of ``P`` trains on group ``r`` of the next ``P``, and
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients, so a step equals one
step on the mean loss of those ``P`` batches. An epoch is ``batches // P`` steps. Every process
evaluates the same weights the same way, so all make the same selection and stopping decisions;
rank 0 writes the outputs.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.cluster_batches import ClusterBatch, ClusterBatches
from gcnlab.data.partition import stored_metis_parts
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, as_features
from gcnlab.tasks.node import NodeConfig, NodeTask
from gcnlab.train.shared_batches import SharedBatches

log = logging.getLogger(__name__)


def batch_graph(
    x: Tensor | SparseMatrix, batch: ClusterBatch, device: torch.device
) -> tuple[Tensor | SparseMatrix, SparseMatrix]:
    """``(x_b [n_b, F], Â_b^T [n_b, n_b])`` of one batch on ``device``: the feature rows of its
    nodes, sliced from ``x`` on the CPU (sparse where ``x`` is, as the whole graph's: dropout
    then touches the non-zeros only), and its induced subgraph normalized on its own."""
    nodes = batch.nodes
    adj = normalized_adjacency(batch.edge_index, num_nodes=nodes.numel())
    rows = x.rows(nodes) if isinstance(x, SparseMatrix) else x[nodes]  # [n_b, F]
    return rows.to(device), adj.to(device)


class ClusterNodeTask(SharedBatches, NodeTask):
    """:class:`NodeTask` trained on Cluster-GCN batches (``NodeConfig(batch="clusters")``).

    Results, checkpoints and evaluation are the node task's (its ``name`` is ``node``)."""

    def __init__(self, config: NodeConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        graph = self.graph
        part = stored_metis_parts(
            graph.edge_index,
            graph.num_nodes,
            config.parts,
            config.partition_file,
            seed=0,
            write=self.rank == 0,
        )
        self.batches = ClusterBatches(
            graph.edge_index, graph.num_nodes, part, config.clusters_per_batch
        )
        self.check_batches(self.batches.num_batches)
        # the per-batch inputs are sliced on the CPU, then moved: the graph need not fit the device
        self.x_cpu = as_features(graph.x, config.sparse_features)  # [N, F], as self.x
        self.y_cpu = graph.y
        self.train_mask_cpu = graph.train_mask
        log.info(
            "cluster-gcn: %d parts, %d per batch, %d batches per epoch, process %d of %d",
            config.parts,
            config.clusters_per_batch,
            self.batches.num_batches,
            self.rank,
            self.world,
        )

    def batch_plan(self) -> dict[str, Any]:
        c = self.config
        return {"kind": "clusters", "parts": c.parts, "clusters_per_batch": c.clusters_per_batch}

    def batch_inputs(
        self, batch: ClusterBatch
    ) -> tuple[Tensor | SparseMatrix, SparseMatrix, Tensor, Tensor]:
        """``(x [n_b, F], Â_b^T, y [n_b], labelled local ids)`` of one batch, on the device."""
        nodes = batch.nodes
        x, adj = batch_graph(self.x_cpu, batch, self.device)
        train = self.train_mask_cpu[nodes].nonzero().view(-1)
        d = self.device
        return x, adj, self.y_cpu[nodes].to(d), train.to(d)

    def batch_loss(self, net: torch.nn.Module, clusters: Tensor) -> Tensor:
        """Cross-entropy over the labelled nodes of the batch of ``clusters`` (0, with zero
        gradients, for a batch without any, so every process still takes part in the step)."""
        x, adj, y, train = self.batch_inputs(self.batches.batch(clusters))
        logits = net(x, adj)  # [n_b, C]
        if train.numel() == 0:
            return logits.sum() * 0.0
        return F.cross_entropy(logits[train], y[train])

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        net = self.ddp if self.ddp is not None else model
        groups = self.batches.epoch_groups(self.generator)
        steps = len(groups) // self.world
        losses = []
        for step in range(steps):
            optimizer.zero_grad()
            loss = self.batch_loss(net, groups[step * self.world + self.rank])
            loss.backward()  # DDP: the gradients of the P batches, averaged
            optimizer.step()
            losses.append(loss.detach())
        return torch.stack(losses).mean()  # this process's batches
