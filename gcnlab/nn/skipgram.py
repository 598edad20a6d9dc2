r"""Skip-gram with negative sampling over nodes: the embedding model of DeepWalk.

DeepWalk (Perozzi et al., 2014) treats random walks as sentences and trains word2vec's skip-gram
on them. Each node :math:`v` has an embedding :math:`\mathbf{z}_v` (the one that is kept) and a
context vector :math:`\mathbf{c}_v`; for a pair (centre :math:`v`, context :math:`w`) seen in a
walk and :math:`k` noise nodes :math:`n_1 \dots n_k` the loss is

.. math::
    -\log \sigma(\mathbf{z}_v^\top \mathbf{c}_w)
    - \sum_{i=1}^{k} \log \sigma(-\mathbf{z}_v^\top \mathbf{c}_{n_i}),

averaged over the pairs. DeepWalk's paper uses a hierarchical softmax; negative sampling is the
cheaper estimate of the same objective that node2vec and PyG's ``Node2Vec`` use.

**Noise per walk position, not per pair.** The noise term depends on the centre only, and a centre
at one position of a walk has up to ``2 * window`` context pairs. :func:`noise_pairs` therefore
draws ``k`` noise nodes per walk *position* and weights each by that position's number of pairs:
the same expected loss and gradient as ``k`` noise nodes per pair, with ``2 * window`` times fewer
noise rows to gather (on Cora, 2.6 M instead of 52 M per epoch; the noise gathers were 5/6 of an
epoch's time).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


class SkipGram(torch.nn.Module):
    r"""Node embeddings trained by skip-gram with negative sampling.

    Args:
        num_nodes (int): Number of nodes.
        embedding_dim (int, optional): Size of each embedding. (default: :obj:`128`)
        sparse (bool, optional): Sparse gradients (for ``torch.optim.SparseAdam``): an update
            touches only the rows in the batch. (default: :obj:`True`)

    Shapes:
        - **input:** pairs :math:`(2, P)`, noise pairs :math:`(2, Q)`, weights :math:`(Q)`
        - **output:** a scalar loss; :attr:`weight` :math:`(|\mathcal{V}|, d)` are the embeddings
    """

    def __init__(self, num_nodes: int, embedding_dim: int = 128, *, sparse: bool = True) -> None:
        super().__init__()
        if num_nodes < 1 or embedding_dim < 1:
            raise ValueError(
                f"num_nodes and embedding_dim must be positive, got {num_nodes}, {embedding_dim}"
            )
        self.num_nodes = num_nodes
        self.embedding_dim = embedding_dim
        self.embedding = torch.nn.Embedding(num_nodes, embedding_dim, sparse=sparse)
        self.context = torch.nn.Embedding(num_nodes, embedding_dim, sparse=sparse)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # word2vec's initialization: small uniform embeddings, zero context vectors
        bound = 0.5 / self.embedding_dim
        torch.nn.init.uniform_(self.embedding.weight, -bound, bound)
        torch.nn.init.zeros_(self.context.weight)

    @property
    def weight(self) -> Tensor:
        """The node embeddings ``[N, d]``."""
        return self.embedding.weight

    def forward(self, pos: Tensor, neg: Tensor, neg_weight: Tensor | None = None) -> Tensor:
        r"""The loss: :math:`\frac{1}{P}\big(\sum_{(v,w) \in pos} -\log\sigma(\mathbf{z}_v^\top
        \mathbf{c}_w) + \sum_{(v,n) \in neg} \omega_{vn} \cdot -\log\sigma(-\mathbf{z}_v^\top
        \mathbf{c}_n)\big)`.

        Args:
            pos (Tensor): (centre, context) pairs ``[2, P]`` seen in walks.
            neg (Tensor): (centre, noise node) pairs ``[2, Q]``.
            neg_weight (Tensor, optional): weight of each noise pair ``[Q]``; with ``k`` noise
                pairs per positive pair and no weights this is word2vec's loss.
                (default: ones)
        """
        # Step 1: the true pairs: log sigma(z_v . c_w)
        pos_term = F.logsigmoid((self.embedding(pos[0]) * self.context(pos[1])).sum(-1))  # [P]
        # Step 2: the noise pairs: log sigma(-z_v . c_n), weighted
        neg_term = F.logsigmoid(-(self.embedding(neg[0]) * self.context(neg[1])).sum(-1))  # [Q]
        if neg_weight is not None:
            neg_term = neg_term * neg_weight
        return -(pos_term.sum() + neg_term.sum()) / pos.size(1)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.num_nodes}, {self.embedding_dim})"


def noise_pairs(
    walks: Tensor,
    window: int,
    noise: Tensor,
    k: int,
    *,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """``k`` (centre, noise node) pairs per position of ``walks`` ``[S, L]`` (``-1``: padding)
    and their weights: the number of context pairs of that position within ``window`` (as
    :func:`~gcnlab.nn.random_walk.context_pairs` counts them). Noise nodes are drawn from
    ``noise`` ``[N]`` (unnormalized probabilities). Returns ``([2, Q], [Q])``."""
    valid = walks >= 0  # [S, L]
    length = valid.sum(1, keepdim=True)  # [S, 1]: walks are padded at the end only
    position = torch.arange(walks.size(1), device=walks.device).expand_as(walks)  # [S, L]
    # contexts before and after the position, each at most `window`
    count = position.clamp(max=window) + (length - 1 - position).clamp(min=0, max=window)
    keep = valid & (count > 0)
    centres, weight = walks[keep], count[keep].to(noise.dtype)  # [C]
    drawn = torch.multinomial(noise, centres.numel() * k, replacement=True, generator=generator)
    pairs = torch.stack([centres.repeat_interleave(k), drawn.to(walks.device)])  # [2, C k]
    return pairs, weight.repeat_interleave(k).float()
