r"""A training-free low-pass graph filter: repeated smoothing of the features over the graph.

The filter of AGC (`"Attributed Graph Clustering via Adaptive Graph Convolution"
<https://www.ijcai.org/proceedings/2019/0601.pdf>`_, Zhang et al., IJCAI 2019):

.. math::
    \bar{X} = \left(\frac{I + \tilde{A}}{2}\right)^{p} X,
    \qquad \tilde{A} = \hat{D}^{-1/2} (A + I) \hat{D}^{-1/2}

with :math:`\tilde{A}` the GCN's normalized adjacency (self-loops added,
:func:`~gcnlab.normalized_adjacency`). In the graph's Fourier basis (the eigenvectors of the
normalized Laplacian :math:`\tilde{L} = I - \tilde{A}`, eigenvalues :math:`\lambda \in [0, 2)`),
one step multiplies frequency :math:`\lambda` by :math:`1 - \lambda / 2 \in (0, 1]`: the smooth
part of the signal (small :math:`\lambda`) is kept, the rough part shrinks geometrically with
:math:`p`. A node without edges keeps its features (its only coefficient is its self-loop, 1).
It is a GCN with the weights and the non-linearity taken out: propagation only.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from gcnlab.nn.norm import gcn_norm
from gcnlab.nn.sparse import SparseMatrix, spmm


def low_pass_operator(
    edge_index: Tensor,
    num_nodes: int,
    edge_weight: Tensor | None = None,
    *,
    dtype: torch.dtype = torch.float64,
) -> SparseMatrix:
    r""":math:`(I + \tilde{A})/2` as a CSR operator ``[N, N]`` (row ``i``: what node ``i``
    receives), ready for :func:`~gcnlab.spmm`.

    Args:
        edge_index (Tensor): ``[2, E]`` (source, target) pairs; give both directions for an
            undirected graph.
        num_nodes (int): number of nodes ``N``.
        edge_weight (Tensor, optional): ``[E]`` weights. (default: ones)
        dtype (torch.dtype, optional): dtype of the coefficients. (default: float64, because
            many powers of the operator are taken)
    """
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
    # Step 1: Ã's coefficients, self-loops included (the GCN's normalization)
    edge_index, weight = gcn_norm(edge_index, edge_weight.to(dtype), num_nodes)
    assert weight is not None
    source, target = edge_index
    # Step 2: add I and halve; from_coo sums the two diagonal entries of each node
    loop = torch.arange(num_nodes, device=edge_index.device)
    rows = torch.cat([target, loop])
    cols = torch.cat([source, loop])
    values = torch.cat([weight, weight.new_ones(num_nodes)]) / 2
    return SparseMatrix.from_coo(rows, cols, values, (num_nodes, num_nodes))


def low_pass_powers(x: Tensor | SparseMatrix, operator: SparseMatrix) -> Iterator[Tensor]:
    r"""The smoothed features :math:`\bar{X}_1, \bar{X}_2, \ldots` (:math:`\bar{X}_p =
    S^p X`, :math:`S` = ``operator``), one sparse product each, without end: the caller stops.

    Args:
        x (Tensor or SparseMatrix): features ``[N, F]``; converted to a dense tensor of the
            operator's dtype (the smoothed features are dense after one step anyway).
        operator (SparseMatrix): :math:`S` ``[N, N]``, e.g. :func:`low_pass_operator`.

    Yields:
        Tensor: :math:`\bar{X}_p` ``[N, F]``, for :math:`p = 1, 2, \ldots`
    """
    h = x.to_dense() if isinstance(x, SparseMatrix) else x
    h = h.to(dtype=operator.values.dtype, device=operator.values.device)  # [N, F]
    while True:
        h = spmm(operator, h)  # [N, F]
        yield h


class LowPassFilter(torch.nn.Module):
    r"""The AGC low-pass filter as a layer without parameters:

    .. math::
        \bar{X} = \left(\frac{I + \tilde{A}}{2}\right)^{p} X

    Args:
        power (int, optional): :math:`p`, the number of smoothing steps; 0 returns ``x``.
            (default: :obj:`1`)
        cached (bool, optional): build the operator on the first call and reuse it (only for a
            graph that never changes). (default: :obj:`True`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F)` (dense or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)`, edge weights
          :math:`(|\mathcal{E}|)` *(optional)*
        - **output:** smoothed features :math:`(|\mathcal{V}|, F)`, dense, in the input's dtype
    """

    def __init__(self, power: int = 1, *, cached: bool = True) -> None:
        super().__init__()
        if power < 0:
            raise ValueError(f"power must be >= 0, got {power}")
        self.power = power
        self.cached = cached
        self._operator: SparseMatrix | None = None

    def reset_parameters(self) -> None:
        self._operator = None

    def forward(
        self, x: Tensor | SparseMatrix, edge_index: Tensor, edge_weight: Tensor | None = None
    ) -> Tensor:
        # x: [N, F], edge_index: [2, E]
        dtype = x.values.dtype if isinstance(x, SparseMatrix) else x.dtype
        if self.power == 0:
            return x.to_dense() if isinstance(x, SparseMatrix) else x
        # Step 1: the operator S = (I + Ã) / 2: [N, N]
        operator = self._operator
        if operator is None or operator.values.dtype != dtype:
            operator = low_pass_operator(edge_index, x.shape[0], edge_weight, dtype=dtype)
            if self.cached:
                self._operator = operator
        # Step 2: p sparse products: [N, F] each
        for p, h in enumerate(low_pass_powers(x, operator), start=1):
            if p == self.power:
                return h
        raise AssertionError("unreachable")  # low_pass_powers never ends

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(power={self.power})"
