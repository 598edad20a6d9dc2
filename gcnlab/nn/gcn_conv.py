"""The graph convolutional layer of Kipf & Welling (2017)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing

from gcnlab.nn.norm import gcn_norm, normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, is_torch_sparse, spmm

Features = Tensor | SparseMatrix


class GCNConv(MessagePassing):
    r"""The graph convolution from `"Semi-Supervised Classification with Graph Convolutional
    Networks" <https://arxiv.org/abs/1609.02907>`_ (Kipf & Welling, ICLR 2017).

    .. math::
        \mathbf{X}' = \hat{\mathbf{D}}^{-1/2} \hat{\mathbf{A}} \hat{\mathbf{D}}^{-1/2}
                      \mathbf{X} \mathbf{W} + \mathbf{b}

    where :math:`\hat{\mathbf{A}} = \mathbf{A} + \mathbf{I}` is the adjacency matrix with
    self-loops (edge weights allowed) and :math:`\hat{D}_{ii} = \sum_j \hat{A}_{ji}` its degree
    matrix. Node-wise: :math:`\mathbf{x}'_i = \mathbf{W}^\top \sum_{j \in \mathcal{N}(i) \cup \{i\}}
    \frac{e_{j,i}}{\sqrt{\hat{d}_j \hat{d}_i}} \mathbf{x}_j + \mathbf{b}`.

    It computes exactly what ``torch_geometric.nn.GCNConv`` computes, with the same parameter
    names (``lin.weight`` ``[out, in]``, ``bias`` ``[out]``), so state dicts load both ways.
    Two ways to propagate, same numbers:

    * **fused** (``cached=True``, or a sparse adjacency as input): the normalized adjacency is
      built once as a CSR :class:`~gcnlab.SparseMatrix` and propagation is one sparse-dense
      product. Used when the graph is fixed (transductive learning).
    * **message passing** (``edge_index`` with ``cached=False``, or edge weights that need a
      gradient): PyG's ``propagate`` with a one-line :meth:`message`.

    Args:
        in_channels (int): Size of each input feature vector.
        out_channels (int): Size of each output feature vector.
        improved (bool, optional): Use :math:`\hat{\mathbf{A}} = \mathbf{A} + 2\mathbf{I}`.
            (default: :obj:`False`)
        cached (bool, optional): Normalize the graph on the first call and reuse it afterwards.
            Only for a graph that never changes. (default: :obj:`False`)
        add_self_loops (bool, optional): Add self-loops before normalizing; ``None`` means
            ``normalize``, as in PyG. (default: :obj:`None`)
        normalize (bool, optional): Apply the symmetric normalization; if :obj:`False` the
            given edge weights are used as they are. (default: :obj:`True`)
        bias (bool, optional): Learn an additive bias. (default: :obj:`True`)
        **kwargs (optional): Passed on to ``torch_geometric.nn.MessagePassing``.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense, ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or a
          transposed sparse adjacency :math:`(|\mathcal{V}|, |\mathcal{V}|)`, edge weights
          :math:`(|\mathcal{E}|)` *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        improved: bool = False,
        cached: bool = False,
        add_self_loops: bool | None = None,
        normalize: bool = True,
        bias: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"in_channels and out_channels must be positive, got {in_channels}, {out_channels}"
            )
        if add_self_loops is None:
            add_self_loops = normalize
        if add_self_loops and not normalize:
            raise ValueError(
                "GCNConv adds self-loops only as part of normalization: "
                "pass add_self_loops=False with normalize=False"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.improved = improved
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize

        self.lin = torch.nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self._cached_adj: SparseMatrix | None = None
        self._cached_edges: tuple[Tensor, Tensor | None] | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        torch.nn.init.xavier_uniform_(self.lin.weight)  # Glorot, as in the paper
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)
        self._cached_adj = None
        self._cached_edges = None

    def forward(
        self, x: Features, edge_index: Tensor | SparseMatrix, edge_weight: Tensor | None = None
    ) -> Tensor:
        # x: [N, in_channels], edge_index: [2, E] or [N, N], edge_weight: [E]
        if isinstance(x, (tuple, list)):
            raise ValueError(
                "GCNConv does not do bipartite message passing; pass one feature matrix"
            )
        num_nodes = x.shape[0]
        dtype = x.values.dtype if isinstance(x, SparseMatrix) else x.dtype
        fused = (
            isinstance(edge_index, SparseMatrix)
            or is_torch_sparse(edge_index)
            or (
                self.cached
                and self.normalize
                and not (edge_weight is not None and edge_weight.requires_grad)
            )
        )

        if fused:
            # Step 1: the normalized adjacency Â^T as a CSR matrix: [N, N]
            adj = self._adjacency(edge_index, edge_weight, num_nodes, dtype)
            # Step 2: transform first, so the sparse product runs on out_channels columns
            h = self._linear(x)  # [N, out_channels]
            # Step 3: propagate: out_i = sum_j Â_ji h_j, one sparse-dense product
            out = spmm(adj, h)  # [N, out_channels]
        else:
            # Step 1: add self-loops and compute the normalization coefficient of each edge
            edge_index, edge_weight = self._normalized_edges(
                edge_index, edge_weight, num_nodes, dtype
            )
            # Step 2: transform
            h = self._linear(x)  # [N, out_channels]
            # Step 3: propagate: message() scales each source row, aggr="add" sums per target
            out = self.propagate(edge_index, x=h, edge_weight=edge_weight)  # [N, out_channels]

        # Step 4: add the bias once per node
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j: Tensor, edge_weight: Tensor | None) -> Tensor:
        # x_j: [E, out_channels], edge_weight: [E]
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def _linear(self, x: Features) -> Tensor:
        if isinstance(x, SparseMatrix):
            return spmm(x, self.lin.weight.t())
        if is_torch_sparse(x):
            if x.requires_grad:  # rare: gradients w.r.t. sparse inputs need torch's own product
                return torch.sparse.mm(x.to_sparse_coo(), self.lin.weight.t())
            return spmm(SparseMatrix.from_tensor(x), self.lin.weight.t())
        return self.lin(x)

    def _normalized_edges(
        self, edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int, dtype: torch.dtype
    ) -> tuple[Tensor, Tensor | None]:
        if not self.normalize:
            return edge_index, edge_weight
        if self.cached and self._cached_edges is not None:
            return self._cached_edges
        edges = gcn_norm(
            edge_index, edge_weight, num_nodes, self.improved, self.add_self_loops, self.flow, dtype
        )
        if self.cached:
            self._cached_edges = edges
        return edges

    def _adjacency(
        self,
        edge_index: Tensor | SparseMatrix,
        edge_weight: Tensor | None,
        num_nodes: int,
        dtype: torch.dtype,
    ) -> SparseMatrix:
        if isinstance(edge_index, SparseMatrix):
            # Already an operator: the caller normalized it (e.g. with gcnlab.normalized_adjacency)
            return edge_index
        cache = self._cached_adj
        if (
            self.cached
            and self.normalize
            and cache is not None
            and cache.values.device == edge_index.device
            and cache.values.dtype == dtype
        ):
            return cache  # rebuilt if the module moved to another device or dtype
        if is_torch_sparse(edge_index):
            adj_t = edge_index
            if self.normalize:
                adj_t, _ = gcn_norm(adj_t, None, num_nodes, self.improved, self.add_self_loops)
            adj = SparseMatrix.from_tensor(adj_t.to(dtype))
        else:
            adj = normalized_adjacency(
                edge_index,
                edge_weight,
                num_nodes,
                improved=self.improved,
                add_self_loops=self.add_self_loops,
                flow=self.flow,
                dtype=dtype,
            )
        if self.cached and self.normalize:
            self._cached_adj = adj
        return adj

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"
