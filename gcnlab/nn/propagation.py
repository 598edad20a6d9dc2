r"""The propagation models of Kipf & Welling (2017), Table 3: their names and sparse operators.

The paper compares seven ways of mixing a node's features with its neighbours' in the two-layer
model (:math:`A` the adjacency without self-loops, :math:`D` its degree matrix,
:math:`L = I - D^{-1/2} A D^{-1/2}` the normalized Laplacian):

- Chebyshev filter, K = 3 and K = 2 (:class:`~gcnlab.ChebyshevConv`):
  :math:`\sum_{k=0}^{K} T_k(\tilde L) X \Theta_k`
- 1st-order model (:class:`~gcnlab.FirstOrderConv`):
  :math:`X \Theta_0 + D^{-1/2} A D^{-1/2} X \Theta_1`
- single parameter (:class:`~gcnlab.SingleParameterConv`):
  :math:`(I + D^{-1/2} A D^{-1/2}) X \Theta`
- renormalization trick (:class:`~gcnlab.GCNConv`):
  :math:`\tilde D^{-1/2} \tilde A \tilde D^{-1/2} X \Theta`, :math:`\tilde A = A + I`
- 1st-order term only (:class:`~gcnlab.FirstOrderTermConv`): :math:`D^{-1/2} A D^{-1/2} X \Theta`
- multi-layer perceptron (:class:`~gcnlab.Dense`): :math:`X \Theta`

with :math:`\tilde L = 2L / \lambda_{max} - I` and :math:`T_k` the Chebyshev polynomials
(:math:`T_0 = 1`, :math:`T_1 = x`, :math:`T_k = 2x T_{k-1} - T_{k-2}`).

Every layer takes node features (dense, ``torch.sparse`` or :class:`~gcnlab.SparseMatrix`) and
either ``edge_index`` or its operator, prebuilt once by :func:`propagation_operator` (a CSR
:class:`~gcnlab.SparseMatrix`, shared by all layers of a model and all runs). All transform first
and propagate second, so the sparse products run on ``out_channels`` columns.
:class:`~gcnlab.PropagationGCN` is the paper's two-layer model (or deeper, Appendix B) with any of
the seven.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.choices import Propagation
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, is_torch_sparse

Features = Tensor | SparseMatrix


def dtype_device(x: Features) -> tuple[torch.dtype, torch.device]:
    values = x.values if isinstance(x, SparseMatrix) else x
    return values.dtype, values.device


def _edges(edge_index: Tensor, edge_weight: Tensor | None) -> tuple[Tensor, Tensor | None]:
    """``[2, E]`` edges from ``edge_index`` or a transposed ``torch.sparse`` adjacency (rows
    are targets, as :class:`~gcnlab.GCNConv` takes it)."""
    if not is_torch_sparse(edge_index):
        return edge_index, edge_weight
    if edge_index.layout == torch.sparse_csc:
        raise ValueError("sparse CSC adjacency is not supported; pass COO or CSR")
    coo = edge_index.to_sparse_coo().coalesce()
    return coo.indices().flip(0), coo.values()


def sym_adjacency(
    edge_index: Tensor,
    edge_weight: Tensor | None = None,
    num_nodes: int | None = None,
    *,
    dtype: torch.dtype | None = None,
) -> SparseMatrix:
    r""":math:`D^{-1/2} A D^{-1/2}` without self-loops, as a CSR operator ``[N, N]`` (row ``i``:
    the messages node ``i`` receives). An isolated node's row is zero."""
    edge_index, edge_weight = _edges(edge_index, edge_weight)
    return normalized_adjacency(
        edge_index, edge_weight, num_nodes, add_self_loops=False, dtype=dtype
    )


def _plus_identity(a: SparseMatrix, scale: float, diagonal: float) -> SparseMatrix:
    """``scale * a + diagonal * I`` (the diagonal left out when it is 0)."""
    n = a.shape[0]
    coo = a.mat.to_sparse_coo().coalesce()
    row, col = coo.indices()
    value = scale * coo.values()
    if diagonal != 0.0:
        loop = torch.arange(n, device=row.device)
        row, col = torch.cat([row, loop]), torch.cat([col, loop])
        value = torch.cat([value, value.new_full((n,), diagonal)])
    return SparseMatrix.from_coo(row, col, value, (n, n))


def largest_eigenvalue(a_sym: SparseMatrix) -> float:
    r""":math:`\lambda_{max}` of :math:`L = I - D^{-1/2} A D^{-1/2}` (scipy's ``eigsh``, as the
    paper's code computes it). It is at most 2, and exactly 2 on any graph with a bipartite
    component: Cora and CiteSeer both have one."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import eigsh

    n = a_sym.shape[0]
    coo = a_sym.mat.to_sparse_coo().coalesce()
    row, col = coo.indices().cpu().numpy()
    lap = sp.eye(n) - sp.csr_matrix((coo.values().double().cpu().numpy(), (row, col)), (n, n))
    if n < 3:  # eigsh needs k < n: small graphs are solved densely
        return float(np.linalg.eigvalsh(lap.toarray()).max())
    return float(eigsh(lap, 1, which="LM", return_eigenvectors=False)[0])


def scaled_laplacian(
    edge_index: Tensor,
    edge_weight: Tensor | None = None,
    num_nodes: int | None = None,
    *,
    lambda_max: float | None = 2.0,
    dtype: torch.dtype | None = None,
) -> SparseMatrix:
    r""":math:`\tilde L = \frac{2}{\lambda_{max}} (I - D^{-1/2} A D^{-1/2}) - I`, the argument of
    the Chebyshev polynomials, as a CSR operator ``[N, N]``.

    ``lambda_max=None`` computes it (:func:`largest_eigenvalue`, as the paper's code does); the
    default 2 is the bound the first-order derivation uses and PyG's ``ChebConv`` default. On
    Cora and CiteSeer the two are the same (the graphs have bipartite components, so
    :math:`\lambda_{max} = 2`), and :math:`\tilde L = -D^{-1/2} A D^{-1/2}`.
    """
    a_sym = sym_adjacency(edge_index, edge_weight, num_nodes, dtype=dtype)
    lam = largest_eigenvalue(a_sym) if lambda_max is None else float(lambda_max)
    if not lam > 0:
        raise ValueError(f"lambda_max must be positive, got {lam}")
    return _plus_identity(a_sym, -2.0 / lam, 2.0 / lam - 1.0)


def propagation_operator(
    propagation: Propagation | str,
    edge_index: Tensor,
    edge_weight: Tensor | None = None,
    num_nodes: int | None = None,
    *,
    dtype: torch.dtype | None = None,
    lambda_max: float | None = 2.0,
) -> SparseMatrix | None:
    r"""The sparse operator the layers of ``propagation`` multiply by, built once: the scaled
    Laplacian :math:`\tilde L` (Chebyshev), :math:`D^{-1/2} A D^{-1/2}` (1st-order model, single
    parameter, 1st-order term), :math:`\tilde D^{-1/2} \tilde A \tilde D^{-1/2}`
    (renormalization) or ``None`` (MLP)."""
    propagation = Propagation(propagation)
    edge_index, edge_weight = _edges(edge_index, edge_weight)
    if propagation in (Propagation.CHEBYSHEV_2, Propagation.CHEBYSHEV_3):
        return scaled_laplacian(
            edge_index, edge_weight, num_nodes, lambda_max=lambda_max, dtype=dtype
        )
    if propagation == Propagation.RENORMALIZATION:
        return normalized_adjacency(edge_index, edge_weight, num_nodes, dtype=dtype)
    if propagation == Propagation.MLP:
        return None
    return sym_adjacency(edge_index, edge_weight, num_nodes, dtype=dtype)
