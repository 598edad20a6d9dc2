r"""Symmetric normalization of a graph for graph convolution (Kipf & Welling, 2017).

.. math::
    \hat{A} = A + \lambda I, \qquad
    \hat{d}_i = \sum_j \hat{A}_{ji}, \qquad
    \tilde{A}_{ji} = \hat{d}_j^{-1/2}\, \hat{A}_{ji}\, \hat{d}_i^{-1/2}

with :math:`\lambda = 1` (``improved=False``) or :math:`2` (``improved=True``). Degrees are summed
over incoming edges (``flow="source_to_target"``); a node with degree 0 gets coefficient 0, never
``inf``. The rules below are PyG's, so results match ``torch_geometric.nn.conv.gcn_norm``:

- ``edge_index`` input: only *missing* self-loops are added; a self-loop already in the graph keeps
  its own weight.
- One deliberate difference: with ``improved=True`` and no ``edge_weight``, PyG (2.8) adds the
  missing self-loops with weight 1, not 2 (``add_remaining_self_loops`` ignores its fill value when
  there are no weights), so ``improved`` silently does nothing. gcnlab follows the formula,
  :math:`\hat{A} = A + 2I`, which is what PyG computes when given unit weights explicitly.
- ``torch.sparse`` input (a transposed adjacency, rows are targets): :math:`\lambda I` is added to
  every node, on top of any existing diagonal.

Node ids are checked here, where the graph is built: an id outside ``[0, num_nodes)``, negative
ones included, raises :class:`IndexError` naming the id, where it is and the number of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.utils import add_remaining_self_loops

from gcnlab.nn.sparse import SparseMatrix, check_ids, is_torch_sparse


@dataclass(frozen=True)
class NormalizedAdjacency(SparseMatrix):
    r"""A normalized adjacency :math:`\tilde{A}^\top` ``[N, N]`` (row ``i`` holds the
    coefficients of the messages node ``i`` receives) that :class:`~gcnlab.GCNConv` propagates
    with *as it is*: no self-loops added, no normalization, no ``edge_weight``.

    :func:`normalized_adjacency` returns one. To use an operator you normalized yourself, wrap it:
    ``NormalizedAdjacency.from_coo(target, source, coefficient, (N, N))``, ``.from_tensor(adj_t)``
    or ``NormalizedAdjacency(m.mat, m.t, m.perm)`` for a :class:`~gcnlab.SparseMatrix` ``m``.
    A plain :class:`~gcnlab.SparseMatrix` is not taken as normalized (see ``docs/gcn.md``).
    ``to()`` and ``with_values()`` keep the type.
    """


def _inv_sqrt_degree(weight: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    deg = torch.zeros(num_nodes, dtype=weight.dtype, device=weight.device)
    deg.index_add_(0, index, weight)
    deg_inv_sqrt = deg.pow(-0.5)
    return deg_inv_sqrt.masked_fill(torch.isinf(deg_inv_sqrt), 0.0)


def gcn_norm(
    edge_index: Tensor,
    edge_weight: Tensor | None = None,
    num_nodes: int | None = None,
    improved: bool = False,
    add_self_loops: bool = True,
    flow: str = "source_to_target",
    dtype: torch.dtype | None = None,
) -> tuple[Tensor, Tensor | None]:
    """Normalize a graph; returns ``(edge_index, edge_weight)``.

    Args:
        edge_index (Tensor): ``[2, E]`` LongTensor of (source, target) pairs, or a square
            ``torch.sparse`` transposed adjacency (then the result is a sparse tensor of the same
            layout and ``None``).
        edge_weight (Tensor, optional): ``[E]`` weights (default: ones).
        num_nodes (int, optional): number of nodes (default: ``edge_index.max() + 1``).
        improved (bool, optional): self-loop weight 2 instead of 1. (default: :obj:`False`)
        add_self_loops (bool, optional): add self-loops first. (default: :obj:`True`)
        flow (str, optional): ``"source_to_target"`` sums degrees over targets,
            ``"target_to_source"`` over sources. (default: ``"source_to_target"``)
        dtype (torch.dtype, optional): dtype of the created weights. (default: float32)
    """
    fill_value = 2.0 if improved else 1.0
    if is_torch_sparse(edge_index):
        return _gcn_norm_sparse(edge_index, num_nodes, fill_value, add_self_loops), None
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(f"flow must be 'source_to_target' or 'target_to_source', got {flow!r}")
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
    check_ids(edge_index, num_nodes, "edge_index")  # once per build: -1 must not wrap around

    # Step 1: add the missing self-loops (weight 1, or 2 if improved). Unit weights are made
    # explicit first: without them PyG's helper would give every new self-loop weight 1.
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
    if add_self_loops:
        if bool((edge_index[0] == edge_index[1]).any()):  # existing loops keep their weight
            edge_index, edge_weight = add_remaining_self_loops(
                edge_index, edge_weight, fill_value, num_nodes
            )
        else:  # none yet: append them, as PyG's helper would (skipping its masking passes)
            loop = torch.arange(num_nodes, dtype=edge_index.dtype, device=edge_index.device)
            edge_index = torch.cat([edge_index, loop.expand(2, -1)], dim=1)
            edge_weight = torch.cat([edge_weight, edge_weight.new_full((num_nodes,), fill_value)])

    # Step 2: D^-1/2 from the degrees of the receiving side.
    row, col = edge_index[0], edge_index[1]
    deg_inv_sqrt = _inv_sqrt_degree(
        edge_weight, col if flow == "source_to_target" else row, num_nodes
    )

    # Step 3: scale each edge by both ends.
    return edge_index, deg_inv_sqrt[row] * edge_weight * deg_inv_sqrt[col]


def _gcn_norm_sparse(
    adj_t: Tensor, num_nodes: int | None, fill_value: float, add_self_loops: bool
) -> Tensor:
    if adj_t.size(0) != adj_t.size(1):
        raise ValueError(f"a sparse adjacency must be square, got {tuple(adj_t.shape)}")
    layout = adj_t.layout
    if layout == torch.sparse_csc:
        raise ValueError("sparse CSC adjacency is not supported; pass COO or CSR")
    n = adj_t.size(0) if num_nodes is None else num_nodes
    coo = adj_t.to_sparse_coo().coalesce() if layout != torch.sparse_coo else adj_t.coalesce()
    check_ids(coo.indices(), n, "adj_t.indices()")  # e.g. a larger matrix than x has rows
    (target, source), value = coo.indices(), coo.values()
    if add_self_loops:
        loop = torch.arange(n, device=value.device)
        target, source = torch.cat([target, loop]), torch.cat([source, loop])
        value = torch.cat([value, value.new_full((n,), fill_value)])
    deg_inv_sqrt = _inv_sqrt_degree(value, target, n)
    value = deg_inv_sqrt[source] * value * deg_inv_sqrt[target]
    out = torch.sparse_coo_tensor(torch.stack([target, source]), value, (n, n)).coalesce()
    return out.to_sparse_csr() if layout == torch.sparse_csr else out


def normalized_adjacency(
    edge_index: Tensor,
    edge_weight: Tensor | None = None,
    num_nodes: int | None = None,
    *,
    improved: bool = False,
    add_self_loops: bool = True,
    flow: str = "source_to_target",
    dtype: torch.dtype | None = None,
) -> NormalizedAdjacency:
    """:func:`gcn_norm` as a CSR operator ``Â^T`` ``[N, N]``: row ``i`` holds the coefficients of
    the messages node ``i`` receives. Pass it to :class:`GCNConv` as ``edge_index`` to normalize
    once and share it between layers: its type, :class:`NormalizedAdjacency`, tells the layer to
    use it as it is. Arguments as :func:`gcn_norm`; ids are checked once, here."""
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
    edge_index, weight = gcn_norm(
        edge_index, edge_weight, num_nodes, improved, add_self_loops, flow, dtype
    )
    assert weight is not None
    source, target = edge_index if flow == "source_to_target" else edge_index.flip(0)
    return NormalizedAdjacency.from_coo(target, source, weight, (num_nodes, num_nodes))
