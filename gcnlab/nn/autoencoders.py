r"""Graph auto-encoders (GAE) and variational graph auto-encoders (VGAE) for link prediction,
from `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_ (Kipf & Welling,
NIPS Bayesian Deep Learning Workshop 2016), and their losses.

A two-layer GCN encodes each node as a vector :math:`\mathbf{z}_i`; the decoder scores a pair by
the inner product :math:`\mathbf{z}_i^\top \mathbf{z}_j` (a logit: :math:`\sigma` of it is the
probability of an edge). The paper's loss reconstructs the whole training adjacency
(:func:`dense_recon_loss`); :func:`sampled_recon_loss` scores the training edges against as many
random pairs instead, for graphs too large for :math:`N^2` scores per epoch.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.errors import UsageError
from gcnlab.nn.gcn_conv import GCNConv
from gcnlab.nn.sparse import SparseMatrix

log = logging.getLogger(__name__)

Features = Tensor | SparseMatrix
Graph = Tensor | SparseMatrix

# Elements of one block of pair scores in dense_recon_loss. On the CPU a block that stays in
# cache makes the five passes over it cheap: on Cora, 2 MB blocks took 34 ms against 49 ms for
# 4 MB and 62 ms for 8 MB (one busy core). On a GPU, large blocks keep the kernels busy.
_BLOCK_ELEMENTS = {"cpu": 2**19, "cuda": 2**27}


# loss="auto" reconstructs all N^2 pairs up to this many nodes and samples negatives above it.
# The loss alone, forward and backward, one CPU core of a shared machine: Cora 24 ms dense,
# CiteSeer 37 ms, 10 000 nodes 0.28 s, PubMed (19 717) 1.1 s against 24 ms sampled.
DENSE_MAX_NODES = 10_000
# loss="dense" asked for explicitly is refused above this: its memory stays O(block + edges), but
# it scores N^2 pairs per epoch, O(N^2 F) time: 10^10 pairs at 100 000 nodes, minutes per epoch
# on a CPU; beyond it, days of training for what sampled negatives estimate.
DENSE_FORCED_MAX_NODES = 100_000


def resolve_loss(loss: str, num_nodes: int) -> str:
    """``"dense"`` or ``"sampled"``: ``auto`` picks dense up to :data:`DENSE_MAX_NODES` nodes
    (and logs one line when it switches); ``dense`` past :data:`DENSE_FORCED_MAX_NODES` is
    refused with a :class:`~gcnlab.errors.UsageError`."""
    if loss == "auto":
        if num_nodes <= DENSE_MAX_NODES:
            return "dense"
        log.info(
            "%d nodes > %d: sampled negatives instead of the all-pairs loss",
            num_nodes,
            DENSE_MAX_NODES,
        )
        return "sampled"
    if loss == "dense" and num_nodes > DENSE_FORCED_MAX_NODES:
        raise UsageError(
            f"loss 'dense' scores all {num_nodes}^2 node pairs every epoch; above "
            f"{DENSE_FORCED_MAX_NODES} nodes use loss 'sampled' (or 'auto')"
        )
    return loss


class GCNEncoder(torch.nn.Module):
    r"""The GAE encoder: :math:`\mathbf{Z} = \hat{A}\,\mathrm{ReLU}(\hat{A} X W^{(0)})\,W^{(1)}`.

    Args:
        in_channels (int): Number of input features.
        hidden_channels (int, optional): Width of the hidden layer. (default: :obj:`32`)
        out_channels (int, optional): Size of each embedding. (default: :obj:`16`)
        bias (bool, optional): Add a bias in each layer; the paper's has none.
            (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once (it never changes during training).
            (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or a
          normalized adjacency :class:`~gcnlab.SparseMatrix` (see
          :func:`~gcnlab.normalized_adjacency`)
        - **output:** embeddings :math:`(|\mathcal{V}|, F_{out})`
    """

    def __init__(self, in_channels: int, hidden_channels: int = 32, out_channels: int = 16, *,
                 bias: bool = False, cached: bool = False) -> None:
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels, bias=bias, cached=cached)
        self.conv2 = GCNConv(hidden_channels, out_channels, bias=bias, cached=cached)

    def reset_parameters(self) -> None:
        self.conv1.reset_parameters()
        self.conv2.reset_parameters()

    def forward(self, x: Features, edge_index: Graph) -> Tensor:
        # x: [N, F_in]
        h = self.conv1(x, edge_index).relu()  # [N, hidden]
        return self.conv2(h, edge_index)  # [N, out]

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.conv1.in_channels}, "
                f"{self.conv1.out_channels}, {self.conv2.out_channels})")


class VariationalGCNEncoder(torch.nn.Module):
    r"""The VGAE encoder: a shared first layer, then one GCN layer for the means and one for the
    log standard deviations of :math:`q(\mathbf{z}_i \mid X, A) = \mathcal{N}(\boldsymbol{\mu}_i,
    \mathrm{diag}(\boldsymbol{\sigma}_i^2))`.

    .. math::
        \bar{H} = \mathrm{ReLU}(\hat{A} X W^{(0)}), \qquad
        \boldsymbol{\mu} = \hat{A} \bar{H} W_\mu, \qquad
        \log \boldsymbol{\sigma} = \hat{A} \bar{H} W_\sigma

    Args: as :class:`GCNEncoder`.

    Shapes:
        - **input:** as :class:`GCNEncoder`
        - **output:** means :math:`(|\mathcal{V}|, F_{out})`, log standard deviations
          :math:`(|\mathcal{V}|, F_{out})`
    """

    def __init__(self, in_channels: int, hidden_channels: int = 32, out_channels: int = 16, *,
                 bias: bool = False, cached: bool = False) -> None:
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels, bias=bias, cached=cached)
        self.conv_mu = GCNConv(hidden_channels, out_channels, bias=bias, cached=cached)
        self.conv_logstd = GCNConv(hidden_channels, out_channels, bias=bias, cached=cached)

    def reset_parameters(self) -> None:
        for conv in (self.conv1, self.conv_mu, self.conv_logstd):
            conv.reset_parameters()

    def forward(self, x: Features, edge_index: Graph) -> tuple[Tensor, Tensor]:
        # x: [N, F_in]
        h = self.conv1(x, edge_index).relu()  # [N, hidden]
        return self.conv_mu(h, edge_index), self.conv_logstd(h, edge_index)  # [N, out] twice

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.conv1.in_channels}, "
                f"{self.conv1.out_channels}, {self.conv_mu.out_channels})")


class InnerProductDecoder(torch.nn.Module):
    r"""Scores a node pair by :math:`\mathbf{z}_i^\top \mathbf{z}_j`, a logit: the edge
    probability is its sigmoid (applied in the loss, where it is stable; ranking metrics do not
    need it). No parameters.

    Shapes:
        - **input:** embeddings :math:`(|\mathcal{V}|, F)`, pairs :math:`(2, K)`
        - **output:** logits :math:`(K)`; :meth:`forward_all`: :math:`(|\mathcal{V}|,
          |\mathcal{V}|)`
    """

    def forward(self, z: Tensor, edge_index: Tensor) -> Tensor:
        # z: [N, F], edge_index: [2, K]
        return pair_scores(z, edge_index)  # [K]

    def forward_all(self, z: Tensor) -> Tensor:
        """Logits of every pair ``[N, N]``: :math:`Z Z^\\top`."""
        return z @ z.t()


def pair_scores(z: Tensor, edge_index: Tensor) -> Tensor:
    """Inner products ``[K]`` of the embeddings ``z`` ``[N, F]`` of the pairs ``[2, K]``."""
    # index_select, not z[index]: its gradient is an index_add, 1.5x faster than the
    # accumulating index_put that fancy indexing needs on the CPU.
    return (z.index_select(0, edge_index[0]) * z.index_select(0, edge_index[1])).sum(dim=-1)


class Embedding(NamedTuple):
    """What an auto-encoder's training pass gives the loss."""

    z: Tensor  # [N, F] embeddings (for the VGAE, one sample from q)
    kl: Tensor | None  # the VGAE's KL term (kl_loss), None for the GAE


class GAE(torch.nn.Module):
    r"""Graph auto-encoder: a deterministic encoder and the inner-product decoder,
    :math:`\hat{A} = \sigma(Z Z^\top)` with :math:`Z = \mathrm{GCN}(X, A)`.

    Args:
        encoder (torch.nn.Module): maps ``(x, edge_index)`` to embeddings ``[N, F]``, e.g.
            :class:`GCNEncoder`.
        decoder (torch.nn.Module, optional): scores pairs of embeddings.
            (default: :class:`InnerProductDecoder`)
    """

    def __init__(self, encoder: torch.nn.Module, decoder: torch.nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder if decoder is not None else InnerProductDecoder()

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()

    def forward(self, x: Features, edge_index: Graph) -> Embedding:
        """The training pass: embeddings for the loss."""
        return Embedding(self.encoder(x, edge_index), None)

    def encode(self, x: Features, edge_index: Graph) -> Tensor:
        """The embeddings that score pairs at evaluation ``[N, F]``."""
        return self.encoder(x, edge_index)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.encoder!r})"


class VGAE(GAE):
    r"""Variational graph auto-encoder: the encoder gives :math:`q(Z \mid X, A)`, training
    decodes one sample :math:`\mathbf{z}_i = \boldsymbol{\mu}_i + \boldsymbol{\sigma}_i \odot
    \boldsymbol{\epsilon}`, :math:`\boldsymbol{\epsilon} \sim \mathcal{N}(0, I)`, and adds the KL
    divergence to the prior :math:`\mathcal{N}(0, I)`. Evaluation scores pairs with the means
    :math:`\boldsymbol{\mu}`, never a sample.

    Args:
        encoder (torch.nn.Module): maps ``(x, edge_index)`` to ``(mu, logstd)``, e.g.
            :class:`VariationalGCNEncoder`.
        decoder (torch.nn.Module, optional): as :class:`GAE`.
    """

    def forward(self, x: Features, edge_index: Graph) -> Embedding:
        # Step 1: the parameters of q(z | x, A): [N, F] each
        mu, logstd = self.encoder(x, edge_index)
        # Step 2: one sample by reparametrization, so the gradient reaches mu and logstd
        z = mu + torch.randn_like(mu) * logstd.exp()  # [N, F]
        return Embedding(z, kl_loss(mu, logstd))

    def encode(self, x: Features, edge_index: Graph) -> Tensor:
        """The means :math:`\\boldsymbol{\\mu}` ``[N, F]``."""
        mu, _ = self.encoder(x, edge_index)
        return mu


def kl_loss(mu: Tensor, logstd: Tensor) -> Tensor:
    r"""KL divergence of :math:`\mathcal{N}(\boldsymbol{\mu}_i, \boldsymbol{\sigma}_i^2)` from
    :math:`\mathcal{N}(0, I)`, averaged over nodes:

    .. math::
        -\frac{1}{2N} \sum_{i=1}^{N} \sum_{d} \left(1 + 2 \log \sigma_{id} - \mu_{id}^2
        - \sigma_{id}^2\right)

    The paper's code adds it to the reconstruction loss divided once more by :math:`N`.
    """
    return -0.5 * (1 + 2 * logstd - mu.pow(2) - (2 * logstd).exp()).sum(dim=1).mean()


def reconstruction_weights(num_nodes: int, num_edges: int) -> tuple[float, float]:
    r"""The paper's ``(pos_weight, norm)`` for a training adjacency with ``num_edges`` non-zero
    entries (both directions, no self-loops): :math:`w = (N^2 - E) / E` balances the few edges
    against the many non-edges, and :math:`\mathrm{norm} = N^2 / (2 (N^2 - E))` rescales the
    weighted mean."""
    pairs = num_nodes * num_nodes
    if not 0 < num_edges < pairs:
        raise ValueError(f"need 0 < num_edges < num_nodes**2, got {num_edges} edges "
                         f"on {num_nodes} nodes")
    return (pairs - num_edges) / num_edges, pairs / (2 * (pairs - num_edges))


def sampled_recon_loss(z: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor,
                       neg_valid: Tensor | None = None) -> Tensor:
    r"""Binary cross-entropy of edges against sampled non-edges, each side averaged (the loss
    of PyG's ``GAE.recon_loss``):

    .. math::
        \mathcal{L} = \frac{1}{|E^+|} \sum_{(i,j) \in E^+} \log(1 + e^{-s_{ij}})
        + \frac{1}{|E^-|} \sum_{(i,j) \in E^-} \log(1 + e^{s_{ij}}),
        \qquad s_{ij} = \mathbf{z}_i^\top \mathbf{z}_j

    Args:
        z (Tensor): embeddings ``[N, F]``.
        pos_edge_index (Tensor): edges ``[2, P]``.
        neg_edge_index (Tensor): sampled pairs ``[2, Q]``.
        neg_valid (Tensor, optional): ``[Q]`` bool, which sampled pairs count (see
            :func:`~gcnlab.data.link_split.sample_non_edges`). (default: all)
    """
    pos = pair_scores(z, pos_edge_index)  # [P]
    neg = pair_scores(z, neg_edge_index)  # [Q]
    pos_loss = F.softplus(-pos).mean()
    if neg_valid is None:
        return pos_loss + F.softplus(neg).mean()
    weight = neg_valid.to(neg.dtype)
    return pos_loss + (F.softplus(neg) * weight).sum() / weight.sum().clamp(min=1)


def dense_recon_loss(z: Tensor, pos_edge_index: Tensor, pos_weight: float, norm: float, *,
                     block_rows: int | None = None) -> Tensor:
    r"""The paper's reconstruction loss: weighted binary cross-entropy of
    :math:`S = Z Z^\top` against the 0/1 target :math:`T` over all :math:`N^2` pairs,

    .. math::
        \mathcal{L} = \frac{\mathrm{norm}}{N^2} \sum_{i,j} \left( w\, T_{ij}
        \log(1 + e^{-S_{ij}}) + (1 - T_{ij}) \log(1 + e^{S_{ij}}) \right)

    equal to ``norm * F.binary_cross_entropy_with_logits(z @ z.t(), T, pos_weight=w)`` but
    without :math:`N \times N` tensors beyond one block of scores. With
    :math:`\mathrm{softplus}(-s) = \mathrm{softplus}(s) - s` it splits into a sum over all pairs,
    which has no target, and a correction over the ``P`` ones of :math:`T`:

    .. math::
        \sum_{i,j} \mathrm{softplus}(S_{ij}) + \sum_{T_{ij}=1} \left( (w - 1)\,
        \mathrm{softplus}(S_{ij}) - w S_{ij} \right)

    The first sum and its gradient :math:`2\,\sigma(S) Z` are computed block by block over the
    upper triangle (``S`` is symmetric), in the forward pass; backward only scales the stored
    gradient. Time :math:`O(N^2 F)`, memory :math:`O(\text{block} + P)`.

    Args:
        z (Tensor): embeddings ``[N, F]``.
        pos_edge_index (Tensor): the ones of :math:`T` ``[2, P]``, each ``(i, j)`` once; the
            paper's target is the training graph in both directions plus every self-loop.
        pos_weight (float): :math:`w` (see :func:`reconstruction_weights`).
        norm (float): the loss's scale (see :func:`reconstruction_weights`).
        block_rows (int, optional): rows of :math:`S` per block. (default: about 2 MB of
            scores on the CPU, 512 MB on a GPU)
    """
    n = z.size(0)
    if block_rows is None:
        budget = _BLOCK_ELEMENTS.get(z.device.type, _BLOCK_ELEMENTS["cuda"])
        block_rows = max(1, budget // max(n, 1))
    return _DenseReconLoss.apply(z, pos_edge_index, float(pos_weight), norm / (n * n), block_rows)


class _DenseReconLoss(torch.autograd.Function):
    """Loss and gradient of :func:`dense_recon_loss` in one pass over the pair scores."""

    @staticmethod
    def forward(ctx, z: Tensor, pos: Tensor, w: float, scale: float,  # type: ignore[override]
                block_rows: int) -> Tensor:
        total, grad = _softplus_all_pairs(z, block_rows)
        # Step 3: the ones of T, where the target flips the cross-entropy: [P]
        row, col = pos
        s = pair_scores(z, pos)
        total = total + ((w - 1) * F.softplus(s) - w * s).sum()
        coef = ((w - 1) * torch.sigmoid(s) - w).unsqueeze(1)  # d/ds of the correction: [P, 1]
        grad.index_add_(0, row, coef * z[col]).index_add_(0, col, coef * z[row])
        ctx.save_for_backward(grad.mul_(scale))
        return total * scale

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None, None, None, None]:  # type: ignore[override]
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None, None, None, None


def _softplus_all_pairs(z: Tensor, block_rows: int) -> tuple[Tensor, Tensor]:
    """``sum(softplus(Z Z^T))`` and its gradient ``2 sigmoid(Z Z^T) Z`` ``[N, F]``, by blocks of
    rows of the upper triangle: each block right of the diagonal stands for its mirror image too."""
    n = z.size(0)
    total = z.new_zeros(())
    grad = torch.zeros_like(z)
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        rows, later = z[start:stop], z[stop:]  # [b, F], [N - stop, F]
        # Step 1: scores of the block against itself and against every later node
        s_diag = rows @ rows.t()  # [b, b]
        s_right = rows @ later.t()  # [b, N - stop]
        total = total + F.softplus(s_diag).sum() + 2 * F.softplus(s_right).sum()
        # Step 2: sigma(S) Z for the block's rows, and for the later rows from the mirror image
        p_diag, p_right = s_diag.sigmoid_(), s_right.sigmoid_()
        grad[start:stop] += p_diag @ rows + p_right @ later
        grad[stop:] += p_right.t() @ rows
    return total, grad.mul_(2)
