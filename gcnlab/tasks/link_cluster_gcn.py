r"""Link prediction on Cluster-GCN mini-batches, on one process or across ``torchrun``'s.

The link task (:class:`~gcnlab.tasks.link.LinkTask`) with one change: an epoch is not one step
with the encoder on the whole training graph but one step per batch of clusters of it
(:class:`~gcnlab.data.cluster_batches.ClusterBatches`, Chiang et al., 2019). After each run's
edge split, the *training* graph is cut into ``parts`` clusters by METIS (seed 0: every process
gets the same parts); each epoch the clusters are shuffled from the run's seed and grouped
``clusters_per_batch`` at a time. A step on one batch :math:`B` (its nodes :math:`V_B`):

1. the encoder sees the subgraph of the training graph induced by :math:`V_B`, normalized on
   its own, and the feature rows of :math:`V_B` (sparse features stay sparse);
2. the positives :math:`E^+_B` are the training edges inside :math:`V_B`, each undirected edge
   once; the negatives :math:`E^-_B` are as many uniform pairs of batch nodes, flagged
   (:math:`v_{ij} = 0`) where they are training edges or self-loops;
3. the loss is the sampled loss of the full model on those pairs, the VGAE's KL term averaged
   over the batch's nodes and scaled by :math:`1/N` as the full model's is:

.. math::
    \mathcal{L}_B = \frac{1}{|E^+_B|} \sum_{(i,j) \in E^+_B} \log(1 + e^{-s_{ij}})
    + \frac{1}{\sum_{E^-_B} v} \sum_{(i,j) \in E^-_B} v_{ij} \log(1 + e^{s_{ij}})
    \; \Big[+\ \frac{1}{N} \cdot \frac{1}{|V_B|} \sum_{i \in V_B} \mathrm{KL}_i \Big].

A pair of batch nodes is a training edge exactly when it is an edge of the batch's induced
subgraph, so the flags are computed from the batch's edges alone
(:func:`~gcnlab.data.link_split.edge_keys` and :func:`~gcnlab.data.link_split.sample_non_edges`
on batch-local ids): training memory is bounded by the batch. Batches without a training edge
contribute zero (with zero gradients). Each batch's random draws (the negatives, the VGAE's
noise) come from a seed of its own, drawn with the epoch's order from the run's seed, so a batch
gives the same loss on whichever process trains it.

Data-parallel: when a ``torch.distributed`` group of ``P`` processes is running, every process
builds the same parts and the same shuffled groups; at each step process ``r`` trains on group
``r`` of the next ``P`` and :class:`~torch.nn.parallel.DistributedDataParallel` averages the
gradients, so a step equals one step on the mean loss of those ``P`` batches. An epoch is
``batches // P`` steps. Evaluation is the link task's (the encoder on the whole training
graph, without autograd), the same on every process; rank 0 writes.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.cluster_batches import ClusterBatch, ClusterBatches
from gcnlab.data.link_split import edge_keys, sample_non_edges
from gcnlab.data.partition import stored_metis_parts
from gcnlab.nn.autoencoders import sampled_recon_loss
from gcnlab.tasks.link import LinkConfig, LinkTask, SplitOnDevice
from gcnlab.tasks.node_cluster_gcn import batch_graph
from gcnlab.train.shared_batches import SharedBatches
from gcnlab.utils.distributed import all_reduce_sum

log = logging.getLogger(__name__)

# batch seeds are drawn below this bound (torch.manual_seed takes 64-bit values)
_SEED_BOUND = 2**62


def batch_pairs(batch: ClusterBatch) -> tuple[Tensor, Tensor, Tensor]:
    """``(pos [2, P], neg [2, P], valid [P])`` of one batch, in batch-local ids on the CPU:
    its training edges, each undirected edge once, and as many uniform pairs of its nodes,
    ``valid`` where a pair is neither a training edge nor a self-loop (draws from the global
    random state)."""
    n_b = batch.nodes.numel()
    # Step 1: the induced subgraph holds both directions of every training edge inside the
    # batch: keep one, by whole-graph ids (the order of the split's training pairs)
    source, target = batch.edge_index
    ids = batch.nodes
    pos = batch.edge_index[:, ids[source] < ids[target]]  # [2, P]
    # Step 2: a pair of batch nodes is a training edge iff it is an edge of the subgraph
    neg, valid = sample_non_edges(edge_keys(pos, n_b), n_b, pos.size(1))  # [2, P], [P]
    return pos, neg, valid


class ClusterLinkTask(SharedBatches, LinkTask):
    """:class:`LinkTask` trained on Cluster-GCN batches of the training graph
    (``LinkConfig(batch="clusters")``).

    Results, checkpoints and evaluation are the link task's (its ``name`` is ``link``)."""

    def __init__(self, config: LinkConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        self.check_batches(-(-config.parts // config.clusters_per_batch))  # ceil
        # the per-batch inputs are sliced on the CPU, then moved
        self.x_cpu = self.x.to(torch.device("cpu"))  # [N, F]
        self.batches: ClusterBatches | None = None
        self._batches_of: SplitOnDevice | None = None  # the split they were cut from
        self._rng_devices = [device] if device.type == "cuda" else []
        log.info(
            "cluster-gcn link prediction: %d parts, %d per batch, process %d of %d",
            config.parts,
            config.clusters_per_batch,
            self.rank,
            self.world,
        )

    def batch_plan(self) -> dict[str, Any]:
        c = self.config
        return {"kind": "clusters", "parts": c.parts, "clusters_per_batch": c.clusters_per_batch}

    def start_run(self, run: int, seed: int) -> None:
        super().start_run(run, seed)
        assert self.split is not None
        if self._batches_of is self.split:  # a fixed split (split_seed) keeps its clusters
            return
        pos = self.split.train_pos.cpu()  # [2, E_train]
        train_graph = torch.cat([pos, pos.flip(0)], dim=1)  # [2, 2 E_train], the encoder's
        num_nodes = self.data.num_nodes
        # every process computes the same parts (METIS is deterministic for a seed); no file:
        # the training graph changes with every run's split
        part = stored_metis_parts(train_graph, num_nodes, self.config.parts, None, seed=0)
        self.batches = ClusterBatches(train_graph, num_nodes, part, self.config.clusters_per_batch)
        self._batches_of = self.split
        self.check_batches(self.batches.num_batches)

    def epoch_plan(self) -> list[tuple[Tensor, int]]:
        """This epoch's batches: ``(cluster ids, seed of the batch's draws)`` each, the same
        on every process."""
        assert self.batches is not None
        groups = self.batches.epoch_groups(self.generator)
        seeds = torch.randint(_SEED_BOUND, (len(groups),), generator=self.generator)
        return list(zip(groups, seeds.tolist(), strict=True))

    def batch_loss(self, net: torch.nn.Module, clusters: Tensor, seed: int) -> Tensor:
        """The loss of the batch of ``clusters`` (see the module docstring), its random draws
        made from ``seed``."""
        assert self.batches is not None
        batch = self.batches.batch(clusters)
        x, adj = batch_graph(self.x_cpu, batch, self.device)  # [n_b, F], Â_b^T
        with torch.random.fork_rng(devices=self._rng_devices):
            torch.manual_seed(seed)
            # Step 1: encode the batch's subgraph (the VGAE draws its noise here)
            z, kl = net(x, adj)  # z: [n_b, latent]
            # Step 2: its training edges and as many sampled pairs of its nodes
            pos, neg, valid = batch_pairs(batch)
        # Step 3: the sampled loss (zero, with zero gradients, without a training edge, so
        # every process still takes part in the step)
        if pos.size(1) == 0:
            loss = z.sum() * 0.0
        else:
            d = self.device
            loss = sampled_recon_loss(z, pos.to(d), neg.to(d), valid.to(d))
        if kl is not None:
            loss = loss + kl / self.data.num_nodes  # the full model's scaling of the KL term
        return loss

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        net = self.ddp if self.ddp is not None else model
        plan = self.epoch_plan()
        steps = len(plan) // self.world
        total = torch.zeros((), device=self.device)
        for step in range(steps):
            clusters, seed = plan[step * self.world + self.rank]
            optimizer.zero_grad()
            loss = self.batch_loss(net, clusters, seed)
            loss.backward()  # DDP: the gradients of the P batches, averaged
            optimizer.step()
            total += loss.detach()
        # the mean over all processes' batches: every process gets the same epoch loss (and the
        # same divergence verdict)
        return all_reduce_sum(total) / (steps * self.world)
