"""The GCNII layer of Chen et al. (2020): initial residual and identity mapping."""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import Parameter

from gcnlab.nn.gcn_family import Adjacency, GCNFamilyConv, check_alpha


class GCN2Conv(GCNFamilyConv):
    r"""The graph convolution with initial residual connection and identity mapping (GCNII)
    from `"Simple and Deep Graph Convolutional Networks" <https://arxiv.org/abs/2007.02133>`_
    (Chen et al., ICML 2020).

    .. math::
        \mathbf{X}' = \left( (1 - \alpha) \hat{\mathbf{P}} \mathbf{X}
                      + \alpha \mathbf{X}^{(0)} \right)
                      \left( (1 - \beta) \mathbf{I} + \beta \mathbf{\Theta} \right)

    with :math:`\hat{\mathbf{P}} = \hat{\mathbf{D}}^{-1/2} \hat{\mathbf{A}}
    \hat{\mathbf{D}}^{-1/2}`, :math:`\hat{\mathbf{A}} = \mathbf{A} + \mathbf{I}` (edge weights
    allowed; only missing self-loops are added), :math:`\mathbf{X}^{(0)}` the initial
    representation, and :math:`\beta = \log(\theta / \ell + 1)` for layer :math:`\ell`
    (:math:`\beta = 1` without ``theta`` and ``layer``). With ``shared_weights=False``
    ("GCNII*") the two terms get their own weights:
    :math:`(1 - \alpha) \hat{\mathbf{P}} \mathbf{X} ((1 - \beta) \mathbf{I} + \beta
    \mathbf{\Theta}_1) + \alpha \mathbf{X}^{(0)} ((1 - \beta) \mathbf{I} + \beta
    \mathbf{\Theta}_2)`.

    It computes what ``torch_geometric.nn.GCN2Conv`` computes, takes the same arguments in the
    same order and has the same parameters (``weight1``, ``weight2`` ``[channels, channels]``,
    right-multiplied), so state dicts load both ways. :math:`\hat{\mathbf{P}}` is one CSR
    matrix, built once per graph with ``cached=True`` and keyed to it (another graph is
    normalized anew, where PyG would reuse the first); a deep model can also build it once with
    :func:`~gcnlab.normalized_adjacency` and pass it to every layer.

    Args:
        channels (int): Size of each input and output feature vector.
        alpha (float): Strength :math:`\alpha` of the initial residual connection, in
            :math:`[0, 1]` (PyG checks no range).
        theta (float, optional): :math:`\theta \ge 0` in the strength of the identity mapping
            :math:`\beta = \log(\theta / \ell + 1)`; given together with ``layer``.
            (default: :obj:`None`)
        layer (int, optional): The layer :math:`\ell \ge 1` this module is in; given together
            with ``theta``. (default: :obj:`None`)
        shared_weights (bool, optional): If :obj:`False`, use separate weights for the smoothed
            representation and the initial residual (GCNII*). (default: :obj:`True`)
        cached (bool, optional): Normalize the graph once and reuse it while the layer is
            called on the same graph (the same ``edge_index`` and ``edge_weight`` tensors, not
            edited in place). (default: :obj:`False`)
        add_self_loops (bool, optional): Add the missing self-loops before normalizing.
            (default: :obj:`True`)
        normalize (bool, optional): Add self-loops and normalize; if :obj:`False` the edge
            weights (ones if none) or the matrix are used as they are. (default: :obj:`True`)
        **kwargs (optional): Passed on to ``torch_geometric.nn.MessagePassing``.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F)`, initial node features
          :math:`(|\mathcal{V}_0|, F)` with :math:`|\mathcal{V}_0| \ge |\mathcal{V}|` (the first
          :math:`|\mathcal{V}|` rows are used, as in PyG), edge indices
          :math:`(2, |\mathcal{E}|)` or a transposed adjacency
          :math:`(|\mathcal{V}|, |\mathcal{V}|)` (``torch.sparse`` or
          :class:`~gcnlab.NormalizedAdjacency`), edge weights :math:`(|\mathcal{E}|)`
          *(optional, with edge indices only)*
        - **output:** node features :math:`(|\mathcal{V}|, F)`
    """

    def __init__(
        self,
        channels: int,
        alpha: float,
        theta: float | None = None,
        layer: int | None = None,
        shared_weights: bool = True,
        cached: bool = False,
        add_self_loops: bool = True,
        normalize: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(cached, add_self_loops, normalize, **kwargs)
        if channels < 1:
            raise ValueError(f"GCN2Conv needs channels >= 1, got {channels}")
        check_alpha("GCN2Conv", alpha, "the strength of the initial residual")
        if (theta is None) != (layer is None):
            raise ValueError(
                f"GCN2Conv needs theta and layer together (beta = log(theta / layer + 1)), "
                f"got theta={theta}, layer={layer}"
            )
        if layer is not None and layer < 1:
            raise ValueError(f"GCN2Conv's layer counts from 1, got layer={layer}")
        if theta is not None and theta < 0:
            raise ValueError(f"GCN2Conv's theta must be >= 0, got theta={theta}")
        self.channels = channels
        self.alpha = alpha
        self.beta = 1.0 if theta is None else math.log(theta / layer + 1)  # type: ignore[operator]
        self.weight1 = Parameter(torch.empty(channels, channels))
        if shared_weights:
            self.register_parameter("weight2", None)
        else:
            self.weight2 = Parameter(torch.empty(channels, channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        torch.nn.init.xavier_uniform_(self.weight1)  # Glorot, as PyG
        if self.weight2 is not None:
            torch.nn.init.xavier_uniform_(self.weight2)

    def forward(
        self,
        x: Tensor,
        x_0: Tensor,
        edge_index: Adjacency,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        # x: [N, channels], x_0: [N0 >= N, channels], edge_index: [2, E] or [N, N]
        # Step 1: P̂ = D^-1/2 (A + I) D^-1/2, a CSR operator [N, N]
        adj = self._adjacency(x, edge_index, edge_weight)
        # Step 2: P̂ X: [N, channels]
        h = self._propagate(adj, x)
        x_0 = x_0[: h.size(0)]  # [N, channels]
        # Step 3: the initial residual and the identity mapping,
        # H ((1 - beta) I + beta W) = (1 - beta) H + beta H W
        if self.weight2 is None:
            h = torch.lerp(h, x_0, self.alpha)  # (1 - alpha) P̂ X + alpha X0, in one pass
            return torch.addmm(h, h, self.weight1, beta=1.0 - self.beta, alpha=self.beta)
        h, h_0 = (1 - self.alpha) * h, self.alpha * x_0
        out = torch.addmm(h, h, self.weight1, beta=1.0 - self.beta, alpha=self.beta)
        return out + torch.addmm(h_0, h_0, self.weight2, beta=1.0 - self.beta, alpha=self.beta)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.channels}, alpha={self.alpha}, beta={self.beta})"
