"""Approximate personalized propagation of neural predictions (APPNP) of Klicpera et al. (2019)."""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.gcn_family import Adjacency, GCNFamilyConv, check_alpha, check_k, drop_edges


class APPNP(GCNFamilyConv):
    r"""The propagation of `"Predict then Propagate: Graph Neural Networks meet Personalized
    PageRank" <https://arxiv.org/abs/1810.05997>`_ (Klicpera et al., ICLR 2019): :math:`K` steps
    of power iteration towards personalized PageRank, with no weights of its own.

    .. math::
        \mathbf{X}^{(0)} = \mathbf{X}, \qquad
        \mathbf{X}^{(k)} = (1 - \alpha) \hat{\mathbf{P}} \mathbf{X}^{(k-1)}
                           + \alpha \mathbf{X}^{(0)}, \qquad
        \mathbf{X}' = \mathbf{X}^{(K)}

    with :math:`\hat{\mathbf{P}} = \hat{\mathbf{D}}^{-1/2} \hat{\mathbf{A}}
    \hat{\mathbf{D}}^{-1/2}` and :math:`\hat{\mathbf{A}} = \mathbf{A} + \mathbf{I}` (edge weights
    allowed; only missing self-loops are added).

    It computes what ``torch_geometric.nn.APPNP`` computes and takes the same arguments in the
    same order. :math:`\hat{\mathbf{P}}` is one CSR matrix, built once per call (once per graph
    with ``cached=True``, keyed to the graph: another graph is normalized anew, where PyG would
    reuse the first), and each step is one sparse-dense product (:mod:`gcnlab.nn.gcn_family`).

    **Dropout** (training mode, ``dropout > 0``) is PyG's: at every step each coefficient of
    :math:`\hat{\mathbf{P}}` (each edge of the normalized adjacency, self-loops included) is
    zeroed with probability ``dropout`` and the others scaled by :math:`1 / (1 - p)`, a new mask
    per step. One difference: edges given twice in ``edge_index`` are one coefficient of the CSR
    matrix here, kept or dropped together, where PyG draws for each copy. In eval mode there is
    no dropout, as in PyG, and the results are PyG's.

    Args:
        K (int): Number of iterations :math:`K`, at least 1.
        alpha (float): Teleport probability :math:`\alpha`, in :math:`[0, 1]` (PyG checks no
            range; outside it the step is no longer a convex mix).
        dropout (float, optional): Probability of dropping each coefficient of
            :math:`\hat{\mathbf{P}}` in training, in :math:`[0, 1)`. (default: :obj:`0.`)
        cached (bool, optional): Normalize the graph once and reuse it while the layer is
            called on the same graph (the same ``edge_index`` and ``edge_weight`` tensors, not
            edited in place). (default: :obj:`False`)
        add_self_loops (bool, optional): Add the missing self-loops before normalizing.
            (default: :obj:`True`)
        normalize (bool, optional): Add self-loops and normalize; if :obj:`False` the edge
            weights (ones if none) or the matrix are used as they are. (default: :obj:`True`)
        **kwargs (optional): Passed on to ``torch_geometric.nn.MessagePassing``.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F)` or :math:`(B, |\mathcal{V}|, F)`,
          edge indices :math:`(2, |\mathcal{E}|)` or a transposed adjacency
          :math:`(|\mathcal{V}|, |\mathcal{V}|)` (``torch.sparse`` or
          :class:`~gcnlab.NormalizedAdjacency`), edge weights :math:`(|\mathcal{E}|)`
          *(optional, with edge indices only)*
        - **output:** node features of the input's shape
    """

    def __init__(
        self,
        K: int,
        alpha: float,
        dropout: float = 0.0,
        cached: bool = False,
        add_self_loops: bool = True,
        normalize: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(cached, add_self_loops, normalize, **kwargs)
        check_k("APPNP", K)
        check_alpha("APPNP", alpha, "the teleport probability")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"APPNP's dropout must be in [0, 1), got {dropout}")
        self.K = K
        self.alpha = alpha
        self.dropout = dropout

    def forward(
        self, x: Tensor, edge_index: Adjacency, edge_weight: Tensor | None = None
    ) -> Tensor:
        # x: [N, F], edge_index: [2, E] or [N, N]
        # Step 1: P̂ = D^-1/2 (A + I) D^-1/2, a CSR operator [N, N]
        adj = self._adjacency(x, edge_index, edge_weight)
        h = x  # X^(0): [N, F]
        for _ in range(self.K):
            # Step 2: PyG's edge dropout, a new mask per step
            p = drop_edges(adj, self.dropout) if self.training and self.dropout > 0 else adj
            # Step 3: X^(k) = (1 - alpha) P̂ X^(k-1) + alpha X^(0), as one lerp (one pass, not 3)
            x = torch.lerp(self._propagate(p, x), h, self.alpha)  # [N, F]
        return x

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(K={self.K}, alpha={self.alpha})"
