r"""Link prediction on edge mini-batches, on one process or across ``torchrun``'s.

The link task (:class:`~gcnlab.tasks.link.LinkTask`) with one change: an epoch is not one step
on all training edges but one step per batch of ``batch_size`` of them, in a shuffled order
drawn each epoch from the run's seed (the last batch holds the rest). A step encodes the whole
training graph, samples as many pairs as the batch has edges (non-edges of the training graph,
flagged rather than redrawn when they hit an edge, as the full-batch sampled loss does) and
takes the sampled loss of the batch (:func:`~gcnlab.nn.autoencoders.sampled_recon_loss`).
Splitting, evaluation, selection and results are the link task's.

Data-parallel: when a ``torch.distributed`` group of ``P`` processes is running (``torchrun``,
see ``docs/scale.md``), every process draws the same split, the same order and the same
negatives (the same seeds, the same draws in the same order); global batch ``s`` is cut into
``P`` slices (sizes differing by at most one) and process ``r`` scores slice ``r``. Its loss is
its slice's share of the global batch's sums, times ``P``,

.. math::
    \mathcal{L}_r = P \Big( \frac{1}{|E^+_s|} \sum_{(i,j) \in E^+_{s,r}}
    \log(1 + e^{-s_{ij}}) + \frac{1}{\sum_{E^-_s} v} \sum_{(i,j) \in E^-_{s,r}}
    v_{ij} \log(1 + e^{s_{ij}}) \Big) \; [+\ \mathrm{KL} / N],

(:math:`v` flags the sampled pairs that are non-edges) so the mean over processes that
:class:`~torch.nn.parallel.DistributedDataParallel` takes of the gradients is the gradient of
the global batch's loss: ``P`` processes take the steps of one process on the same batches.
The VGAE's noise is drawn alike on every process (the same seed), so its KL term is the same
everywhere. Each process encodes the whole training graph: what is split is the loss, not the
encoder.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.link_split import edge_keys, sample_non_edges
from gcnlab.errors import UsageError
from gcnlab.nn.autoencoders import pair_scores
from gcnlab.tasks.link import LinkConfig, LinkTask
from gcnlab.train.shared_batches import SharedBatches
from gcnlab.utils.distributed import all_reduce_sum

log = logging.getLogger(__name__)


def slice_recon_loss(
    z: Tensor, pos: Tensor, neg: Tensor, valid: Tensor, part: int, parts: int
) -> Tensor:
    r"""Part ``part`` of ``parts`` of the sampled loss of one batch, times ``parts``: the loss
    whose mean over the parts is :func:`~gcnlab.nn.autoencoders.sampled_recon_loss` of the batch
    (see the module docstring; with ``parts=1`` it is that loss).

    Args:
        z (Tensor): embeddings ``[N, F]``.
        pos (Tensor): the batch's edges ``[2, B]``.
        neg (Tensor): the batch's sampled pairs ``[2, B]``.
        valid (Tensor): ``[B]`` bool, which sampled pairs count.
        part (int): which slice of ``pos`` and ``neg`` this part scores (``tensor_split``'s).
        parts (int): number of slices.
    """
    weight = valid.to(z.dtype)  # [B]
    pos_r = pos.tensor_split(parts, dim=1)[part]  # [2, B_r]
    neg_r = neg.tensor_split(parts, dim=1)[part]  # [2, B_r]
    weight_r = weight.tensor_split(parts)[part]  # [B_r]
    pos_sum = F.softplus(-pair_scores(z, pos_r)).sum()
    neg_sum = (F.softplus(pair_scores(z, neg_r)) * weight_r).sum()
    return parts * (pos_sum / max(pos.size(1), 1) + neg_sum / weight.sum().clamp(min=1))


class EdgeBatchLinkTask(SharedBatches, LinkTask):
    """:class:`LinkTask` trained on edge mini-batches (``LinkConfig(batch_size=B)``).

    Results, checkpoints and evaluation are the link task's (its ``name`` is ``link``)."""

    def __init__(self, config: LinkConfig, device: torch.device, data: Data) -> None:
        super().__init__(config, device, data)
        assert config.batch_size is not None
        if config.batch_size < self.world:
            raise UsageError(
                f"--batch-size {config.batch_size} is smaller than the {self.world} processes: "
                "each process needs a share of every batch"
            )
        self._keys: Tensor | None = None  # sorted pair keys of the training edges, both ways
        self._keys_of: object = None  # the split they belong to
        log.info(
            "edge mini-batches of %d training edges, process %d of %d",
            config.batch_size,
            self.rank,
            self.world,
        )

    def batch_plan(self) -> dict[str, Any]:
        return {"kind": "edges", "batch_size": self.config.batch_size}

    def start_run(self, run: int, seed: int) -> None:
        super().start_run(run, seed)
        assert self.split is not None
        if self._keys_of is not self.split:  # a fixed split (split_seed) keeps its keys
            self._keys = edge_keys(self.split.train_pos, self.data.num_nodes)
            self._keys_of = self.split

    def batch_loss(self, net: torch.nn.Module, pos: Tensor) -> Tensor:
        """This process's part of the loss of the global batch ``pos`` ``[2, B]``."""
        assert self.split is not None and self._keys is not None
        num_nodes = self.x.shape[0]
        # Step 1: encode the whole training graph (the VGAE draws its noise here)
        z, kl = net(self.x, self.split.adj)  # z: [N, latent]
        # Step 2: the global batch's negatives, drawn whole by every process after the same
        # draws, so that all hold the same ones (and their random streams stay in step)
        neg, valid = sample_non_edges(self._keys, num_nodes, pos.size(1))  # [2, B], [B]
        # Step 3: this process's slice of the batch
        loss = slice_recon_loss(z, pos, neg, valid, self.rank, self.world)
        if kl is not None:
            loss = loss + kl / num_nodes  # the paper's scaling of the KL term
        return loss

    def train_epoch(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Tensor:
        assert self.split is not None and self.config.batch_size is not None
        net = self.ddp if self.ddp is not None else model
        pos = self.split.train_pos  # [2, E_train]
        order = torch.randperm(pos.size(1), generator=self.generator).to(self.device)
        total = torch.zeros((), device=self.device)
        batches = order.split(self.config.batch_size)
        for batch in batches:
            optimizer.zero_grad()
            loss = self.batch_loss(net, pos[:, batch])
            loss.backward()  # DDP: averaged over the processes, the global batch's gradient
            optimizer.step()
            total += loss.detach()
        # the mean over processes of their parts is the global batch's loss: one sum per epoch
        # gives every process the same epoch loss (and the same divergence verdict)
        return all_reduce_sum(total) / (len(batches) * self.world)
