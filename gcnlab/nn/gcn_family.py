r"""What :class:`~gcnlab.SGConv`, :class:`~gcnlab.APPNP` and :class:`~gcnlab.GCN2Conv` share: the
normalized adjacency they propagate with and the propagation itself.

All three propagate by PyG's GCN operator

.. math::
    \hat{\mathbf{P}} = \hat{\mathbf{D}}^{-1/2} \hat{\mathbf{A}} \hat{\mathbf{D}}^{-1/2},
    \qquad \hat{\mathbf{A}} = \mathbf{A} + \mathbf{I}

(:func:`~gcnlab.gcn_norm`'s rules: only missing self-loops are added, edge weights allowed), and
SGC and APPNP apply it ``K`` times. So the operator is built once per call as one CSR matrix
(:func:`~gcnlab.normalized_adjacency`) and each step is one sparse-dense product
(:func:`~gcnlab.spmm`); with ``cached=True`` it is built once per graph and kept, keyed to the
graph it came from (:class:`~gcnlab.nn.graph_key.GraphKey`), so another graph is normalized anew.
A :class:`~gcnlab.NormalizedAdjacency` passed as ``edge_index`` is used as it is.

One case keeps PyG's message passing: an ``edge_weight`` that requires a gradient (CSR products
are not differentiable in the matrix's values); then the graph is normalized on every call with
:func:`~gcnlab.gcn_norm` and propagated with ``propagate``, the same numbers and gradients.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing

from gcnlab.nn.gcn_conv import _check_matrix, _product, _product_dtype
from gcnlab.nn.graph_key import GraphKey
from gcnlab.nn.norm import gcn_norm, normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, check_ids, dropout, is_torch_sparse

Features = Tensor | SparseMatrix
# edge_index [2, E], a torch.sparse transposed adjacency [N, N], or a NormalizedAdjacency
Adjacency = Tensor | SparseMatrix
# P̂ for message passing: (edge_index [2, E'], edge_weight [E'] or None)
Edges = tuple[Tensor, Tensor | None]


class GCNFamilyConv(MessagePassing):
    """Base of the layers that propagate with the GCN operator: builds it (:meth:`_adjacency`),
    caches it, and multiplies by it (:meth:`_propagate`). Not a layer itself."""

    def __init__(self, cached: bool, add_self_loops: bool, normalize: bool, **kwargs) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize
        self._cached_adj: SparseMatrix | None = None
        self._cached_key: GraphKey | None = None  # the graph _cached_adj was built from

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self._cached_adj = None
        self._cached_key = None

    def message(self, x_j: Tensor, edge_weight: Tensor | None) -> Tensor:
        # x_j: [E, F], edge_weight: [E]
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def _adjacency(
        self, x: Features, edge_index: Adjacency, edge_weight: Tensor | None
    ) -> SparseMatrix | Edges:
        """P̂ for ``x``'s nodes: a CSR operator ``[N, N]``, or normalized edges when
        ``edge_weight`` needs a gradient."""
        num_nodes = x.shape[self.node_dim]
        dtype = x.values.dtype if isinstance(x, SparseMatrix) else x.dtype
        if isinstance(edge_index, SparseMatrix) or is_torch_sparse(edge_index):
            _check_matrix(edge_index, edge_weight, num_nodes, self.normalize, type(self).__name__)
            if isinstance(edge_index, SparseMatrix):
                return edge_index  # a NormalizedAdjacency, or any matrix with normalize=False
        elif edge_weight is not None and edge_weight.requires_grad:
            if not self.normalize:
                check_ids(edge_index, num_nodes, "edge_index")
                return edge_index, edge_weight
            return gcn_norm(
                edge_index, edge_weight, num_nodes, False, self.add_self_loops, self.flow, dtype
            )
        dtype = _product_dtype(dtype)
        key = GraphKey(edge_index, edge_weight, num_nodes, dtype)
        if self.cached and self._cached_key is not None and self._cached_key.matches(key):
            return self._cached_adj  # type: ignore[return-value]
        adj = self._build(edge_index, edge_weight, num_nodes, dtype)
        if self.cached:  # another graph replaces the cached one
            self._cached_adj, self._cached_key = adj, key
        return adj

    def _build(
        self, edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int, dtype: torch.dtype
    ) -> SparseMatrix:
        """The CSR operator of an ``edge_index`` (or ``torch.sparse`` adjacency) in ``dtype``."""
        if is_torch_sparse(edge_index):
            adj_t = edge_index
            if self.normalize:
                adj_t, _ = gcn_norm(adj_t, None, num_nodes, False, self.add_self_loops)
            return SparseMatrix.from_tensor(adj_t.to(dtype))
        if edge_weight is not None:
            edge_weight = edge_weight.to(dtype)
        if self.normalize:
            return normalized_adjacency(
                edge_index,
                edge_weight,
                num_nodes,
                add_self_loops=self.add_self_loops,
                flow=self.flow,
                dtype=dtype,
            )
        # the weights as they are (ones if none); duplicate edges add up, as messages do
        if edge_weight is None:
            edge_weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
        source, target = edge_index if self.flow == "source_to_target" else edge_index.flip(0)
        return SparseMatrix.from_coo(target, source, edge_weight, (num_nodes, num_nodes))

    def _propagate(self, adj: SparseMatrix | Edges, h: Tensor) -> Tensor:
        """``P̂ h``: one CSR product, or PyG's message passing for normalized edges."""
        if isinstance(adj, SparseMatrix):
            return _product(adj, h, self.node_dim)
        edge_index, edge_weight = adj
        return self.propagate(edge_index, x=h, edge_weight=edge_weight)


def drop_edges(adj: SparseMatrix | Edges, p: float) -> SparseMatrix | Edges:
    """``adj`` with each stored coefficient zeroed with probability ``p`` and the rest scaled by
    ``1 / (1 - p)``: PyG's APPNP dropout on the normalized edge weights, drawn anew per call."""
    if isinstance(adj, SparseMatrix):
        return adj.dropout(p)
    edge_index, edge_weight = adj
    if edge_weight is None:  # unnormalized and unweighted: every edge has weight 1
        edge_weight = torch.ones(edge_index.size(1), device=edge_index.device)
    return edge_index, dropout(edge_weight, p)


def check_k(layer: str, K: int) -> None:
    if K < 1:
        raise ValueError(f"{layer} needs K >= 1 propagation steps, got K={K}")


def check_alpha(layer: str, alpha: float, meaning: str) -> None:
    # PyG checks no range; outside [0, 1] the mix (1 - alpha) P̂ X + alpha X0 is not convex
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"{layer}'s alpha ({meaning}) must be in [0, 1], got {alpha}")
