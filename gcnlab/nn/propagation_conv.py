r"""The layers of the propagation models of Kipf & Welling (2017), Table 3.

See :mod:`gcnlab.nn.propagation` for the seven models and their operators. The renormalization
trick is :class:`~gcnlab.GCNConv`; the other six are here. Each takes node features (dense,
``torch.sparse`` or :class:`~gcnlab.SparseMatrix`) and ``edge_index`` or its prebuilt operator,
transforms first and propagates second.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.gcn_conv import GCNConv
from gcnlab.nn.graph_key import GraphKey
from gcnlab.nn.propagation import (
    Features,
    Propagation,
    dtype_device,
    propagation_operator,
    scaled_laplacian,
)
from gcnlab.nn.sparse import SparseMatrix, is_torch_sparse, spmm


class _MultiWeightConv(torch.nn.Module):
    """The shared machinery: ``num_weights`` matrices :math:`\\Theta_k` applied to the features
    in one product, a cached operator, a bias; subclasses say how the products are propagated.

    The weights are ``lins[k].weight`` ``[out, in]``, PyG's ``ChebConv`` layout."""

    propagation: Propagation = Propagation.FIRST_ORDER_TERM  # which operator the layer wants

    def __init__(
        self, in_channels: int, out_channels: int, num_weights: int, *, bias: bool, cached: bool
    ) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"in_channels and out_channels must be positive, got {in_channels}, {out_channels}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.cached = cached
        self.lins = torch.nn.ModuleList(
            torch.nn.Linear(in_channels, out_channels, bias=False) for _ in range(num_weights)
        )
        if bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self._cached_op: SparseMatrix | None = None
        self._cached_key: GraphKey | None = None  # the graph _cached_op was built from
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in self.lins:
            torch.nn.init.xavier_uniform_(lin.weight)  # Glorot, as the paper's code
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)
        self._cached_op = None
        self._cached_key = None

    def operator(
        self, edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int, dtype: torch.dtype
    ) -> SparseMatrix | None:
        """The layer's sparse operator for this graph (see :func:`propagation_operator`)."""
        return propagation_operator(
            self.propagation, edge_index, edge_weight, num_nodes, dtype=dtype
        )

    def forward(
        self,
        x: Features,
        edge_index: Tensor | SparseMatrix | None = None,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        # x: [N, in_channels], edge_index: [2, E] or the prebuilt operator [N, N]
        # Step 1: the operator, built once if cached (or given)
        op = self._operator(x, edge_index, edge_weight)
        # Step 2: transform first: X [Θ_0 … Θ_K] in one product, then split per Θ_k
        hs = self._linear(x).split(self.out_channels, dim=1)  # K+1 × [N, out_channels]
        # Step 3: propagate and sum (the subclass's formula)
        out = self.combine(op, list(hs))  # [N, out_channels]
        # Step 4: the bias once per node
        return out if self.bias is None else out + self.bias

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        raise NotImplementedError

    def _linear(self, x: Features) -> Tensor:
        weight = torch.cat([lin.weight for lin in self.lins])  # [K+1 out, in]
        if is_torch_sparse(x):
            x = SparseMatrix.from_tensor(x)
        if isinstance(x, SparseMatrix):
            return spmm(x, weight.t())
        return x @ weight.t()

    def _operator(
        self, x: Features, edge_index: Tensor | SparseMatrix | None, edge_weight: Tensor | None
    ) -> SparseMatrix | None:
        if isinstance(edge_index, SparseMatrix):
            return edge_index  # prebuilt by propagation_operator: the caller's responsibility
        if edge_index is None:
            raise ValueError(f"{self.__class__.__name__} needs edge_index or its operator")
        dtype, device = dtype_device(x)
        key = GraphKey(edge_index, edge_weight, x.shape[0], dtype, device)
        if self.cached and self._cached_key is not None and self._cached_key.matches(key):
            return self._cached_op  # the graph it was built from, on the features' device
        op = self.operator(edge_index, edge_weight, x.shape[0], dtype)
        if self.cached:
            self._cached_op, self._cached_key = op, key
        return op

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"


class ChebyshevConv(_MultiWeightConv):
    r"""The Chebyshev spectral graph convolution of Defferrard et al. (2016), the first row of
    Table 3 of `Kipf & Welling (2017) <https://arxiv.org/abs/1609.02907>`_.

    .. math::
        \mathbf{X}' = \sum_{k=0}^{K} T_k(\tilde{\mathbf{L}})\, \mathbf{X} \mathbf{\Theta}_k
                      + \mathbf{b}, \qquad
        \tilde{\mathbf{L}} = \frac{2}{\lambda_{max}} \big(\mathbf{I} - \mathbf{D}^{-1/2}
                             \mathbf{A} \mathbf{D}^{-1/2}\big) - \mathbf{I}

    ``K`` is the paper's: the polynomial order, so there are :math:`K + 1` weight matrices and a
    node sees its :math:`K`-hop neighbourhood. This is ``torch_geometric.nn.ChebConv(K=K + 1,
    normalization="sym")``, with the same parameter names (``lins.k.weight``, ``bias``).

    The sum is evaluated by Clenshaw's recurrence on the transformed features
    :math:`\mathbf{H}_k = \mathbf{X}\mathbf{\Theta}_k`: :math:`\mathbf{B}_k = \mathbf{H}_k +
    2\tilde{\mathbf{L}}\mathbf{B}_{k+1} - \mathbf{B}_{k+2}`, :math:`\mathbf{X}' = \mathbf{H}_0 +
    \tilde{\mathbf{L}}\mathbf{B}_1 - \mathbf{B}_2`. That is :math:`K` sparse products on
    ``out_channels`` columns, where the textbook recurrence on :math:`\mathbf{X}` would need
    them on ``in_channels`` columns (1433 on Cora) and densify sparse features.

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        K (int, optional): Polynomial order, :math:`K \geq 0`. (default: :obj:`3`)
        lambda_max (float, optional): :math:`\lambda_{max}` of the normalized Laplacian;
            :obj:`None` computes it (the paper's code). (default: :obj:`2.0`)
        bias (bool, optional): Learn an additive bias; the paper's model has none.
            (default: :obj:`False`)
        cached (bool, optional): Build :math:`\tilde{\mathbf{L}}` once and reuse it while
            called on the same graph (:class:`~gcnlab.nn.graph_key.GraphKey`); another graph
            gets its own. (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense, ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or
          :math:`\tilde{\mathbf{L}}` from :func:`scaled_laplacian`, edge weights
          :math:`(|\mathcal{E}|)` *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    propagation = Propagation.CHEBYSHEV_3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        K: int = 3,  # noqa: N803 (the paper's name)
        *,
        lambda_max: float | None = 2.0,
        bias: bool = False,
        cached: bool = False,
    ) -> None:
        if K < 0:
            raise ValueError(f"K must be >= 0, got {K}")
        self.K = K
        self.lambda_max = lambda_max
        super().__init__(in_channels, out_channels, K + 1, bias=bias, cached=cached)

    def operator(
        self, edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int, dtype: torch.dtype
    ) -> SparseMatrix:
        return scaled_laplacian(
            edge_index, edge_weight, num_nodes, lambda_max=self.lambda_max, dtype=dtype
        )

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        assert op is not None
        # Clenshaw: b_k = h_k + 2 L̃ b_{k+1} - b_{k+2}, from k = K down to 1
        b1 = torch.zeros_like(hs[0])  # b_{k+1}
        b2 = torch.zeros_like(hs[0])  # b_{k+2}
        for h in reversed(hs[1:]):
            b1, b2 = h + 2 * spmm(op, b1) - b2, b1  # [N, out_channels]
        # X' = h_0 + L̃ b_1 - b_2 (for K = 0: h_0)
        return hs[0] + spmm(op, b1) - b2 if self.K > 0 else hs[0]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, K={self.K})"


class FirstOrderConv(_MultiWeightConv):
    r"""The first-order model of Kipf & Welling (2017), Table 3: two weight matrices, one for
    the node itself and one for its neighbours,

    .. math::
        \mathbf{X}' = \mathbf{X} \mathbf{\Theta}_0 + \mathbf{D}^{-1/2} \mathbf{A}
                      \mathbf{D}^{-1/2} \mathbf{X} \mathbf{\Theta}_1 + \mathbf{b}

    (the Chebyshev filter with :math:`K = 1` and :math:`\lambda_{max} = 2`, up to the sign of
    :math:`\mathbf{\Theta}_1`).

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        bias (bool, optional): Learn an additive bias. (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once and reuse it while called on the
            same graph (:class:`~gcnlab.nn.graph_key.GraphKey`). (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`, edge indices
          :math:`(2, |\mathcal{E}|)` or :func:`sym_adjacency`, edge weights *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    propagation = Propagation.FIRST_ORDER

    def __init__(
        self, in_channels: int, out_channels: int, *, bias: bool = False, cached: bool = False
    ) -> None:
        super().__init__(in_channels, out_channels, 2, bias=bias, cached=cached)

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        assert op is not None
        return hs[0] + spmm(op, hs[1])  # X Θ0 + D^-1/2 A D^-1/2 X Θ1: [N, out_channels]


class SingleParameterConv(_MultiWeightConv):
    r"""The single-parameter model of Kipf & Welling (2017), Table 3 (their eq. 7):

    .. math::
        \mathbf{X}' = \big(\mathbf{I} + \mathbf{D}^{-1/2} \mathbf{A} \mathbf{D}^{-1/2}\big)
                      \mathbf{X} \mathbf{\Theta} + \mathbf{b}

    Computed as :math:`\mathbf{H} + \mathbf{D}^{-1/2}\mathbf{A}\mathbf{D}^{-1/2}\mathbf{H}`
    with :math:`\mathbf{H} = \mathbf{X}\mathbf{\Theta}`, so it shares its operator
    (:func:`sym_adjacency`) with :class:`FirstOrderConv` and :class:`FirstOrderTermConv`.

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        bias (bool, optional): Learn an additive bias. (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once and reuse it while called on the
            same graph (:class:`~gcnlab.nn.graph_key.GraphKey`). (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`, edge indices
          :math:`(2, |\mathcal{E}|)` or :func:`sym_adjacency`, edge weights *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    propagation = Propagation.SINGLE_PARAMETER

    def __init__(
        self, in_channels: int, out_channels: int, *, bias: bool = False, cached: bool = False
    ) -> None:
        super().__init__(in_channels, out_channels, 1, bias=bias, cached=cached)

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        assert op is not None
        return hs[0] + spmm(op, hs[0])  # (I + D^-1/2 A D^-1/2) X Θ: [N, out_channels]


class FirstOrderTermConv(_MultiWeightConv):
    r"""The first-order term alone, Kipf & Welling (2017), Table 3: the neighbours' features
    without the node's own,

    .. math::
        \mathbf{X}' = \mathbf{D}^{-1/2} \mathbf{A} \mathbf{D}^{-1/2} \mathbf{X}
                      \mathbf{\Theta} + \mathbf{b}

    (``GCNConv(add_self_loops=False)``). An isolated node outputs the bias only.

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        bias (bool, optional): Learn an additive bias. (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once and reuse it while called on the
            same graph (:class:`~gcnlab.nn.graph_key.GraphKey`). (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`, edge indices
          :math:`(2, |\mathcal{E}|)` or :func:`sym_adjacency`, edge weights *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    propagation = Propagation.FIRST_ORDER_TERM

    def __init__(
        self, in_channels: int, out_channels: int, *, bias: bool = False, cached: bool = False
    ) -> None:
        super().__init__(in_channels, out_channels, 1, bias=bias, cached=cached)

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        assert op is not None
        return spmm(op, hs[0])  # D^-1/2 A D^-1/2 X Θ: [N, out_channels]


class Dense(_MultiWeightConv):
    r"""No propagation: :math:`\mathbf{X}' = \mathbf{X}\mathbf{\Theta} + \mathbf{b}`, the layer of
    the multi-layer perceptron row of Table 3. It takes (and ignores) ``edge_index`` so that it
    drops in where the graph layers go; sparse features stay sparse.

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        bias (bool, optional): Learn an additive bias; the paper's MLP has none.
            (default: :obj:`False`)
        cached (bool, optional): Unused; accepted like the graph layers'. (default: :obj:`False`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    propagation = Propagation.MLP

    def __init__(
        self, in_channels: int, out_channels: int, *, bias: bool = False, cached: bool = False
    ) -> None:
        super().__init__(in_channels, out_channels, 1, bias=bias, cached=cached)

    def _operator(
        self, x: Features, edge_index: Tensor | SparseMatrix | None, edge_weight: Tensor | None
    ) -> None:
        return None  # no graph: nothing to build, whatever was passed

    def combine(self, op: SparseMatrix | None, hs: list[Tensor]) -> Tensor:
        return hs[0]  # X Θ: [N, out_channels]


def propagation_conv(
    propagation: Propagation | str,
    in_channels: int,
    out_channels: int,
    *,
    bias: bool = False,
    cached: bool = False,
    lambda_max: float | None = 2.0,
) -> torch.nn.Module:
    """One layer of ``propagation`` (see the table in :mod:`gcnlab.nn.propagation`)."""
    propagation = Propagation(propagation)
    if propagation in (Propagation.CHEBYSHEV_2, Propagation.CHEBYSHEV_3):
        k = 3 if propagation == Propagation.CHEBYSHEV_3 else 2
        return ChebyshevConv(
            in_channels, out_channels, k, lambda_max=lambda_max, bias=bias, cached=cached
        )
    if propagation == Propagation.RENORMALIZATION:
        return GCNConv(in_channels, out_channels, bias=bias, cached=cached)
    layer = {
        Propagation.FIRST_ORDER: FirstOrderConv,
        Propagation.SINGLE_PARAMETER: SingleParameterConv,
        Propagation.FIRST_ORDER_TERM: FirstOrderTermConv,
        Propagation.MLP: Dense,
    }[propagation]
    return layer(in_channels, out_channels, bias=bias, cached=cached)
