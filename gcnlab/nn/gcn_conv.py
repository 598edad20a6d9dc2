"""The graph convolutional layer of Kipf & Welling (2017)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.parameter import is_lazy
from torch_geometric.nn import MessagePassing

from gcnlab.nn.graph_key import GraphKey
from gcnlab.nn.norm import NormalizedAdjacency, gcn_norm, normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix, check_ids, is_torch_sparse, spmm

Features = Tensor | SparseMatrix
# edge_index [2, E], a torch.sparse transposed adjacency [N, N], or a NormalizedAdjacency
Adjacency = Tensor | SparseMatrix
# Â for message passing: normalized (edge_index [2, E'], edge_weight [E'])
Edges = tuple[Tensor, Tensor | None]

# torch's CPU CSR kernels have no float16/bfloat16: sparse products in these run in float32.
_HALF = (torch.float16, torch.bfloat16)


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

    It computes exactly what ``torch_geometric.nn.GCNConv`` computes, takes the same arguments
    in the same order, and has the same parameter names (``lin.weight`` ``[out, in]``, ``bias``
    ``[out]``), so state dicts load both ways. One rule (:meth:`_fused`) picks how to propagate,
    with the same numbers either way:

    * **CSR product** when the adjacency is a matrix (a :class:`~gcnlab.NormalizedAdjacency`,
      used as it is, or a ``torch.sparse`` tensor, normalized here), or an ``edge_index`` that
      is normalized once and cached (``cached=True``, ``normalize=True``, no ``edge_weight``
      that needs a gradient): :math:`\hat{A}` is one CSR matrix and propagation is one
      sparse-dense product.
    * **message passing** otherwise (the graph is normalized anew on every call): PyG's
      ``propagate`` with a one-line :meth:`message`.

    Node ids are checked where the graph is built (once when cached): an id outside
    ``[0, N)``, negative ones included, raises :class:`IndexError` naming the id and ``N``.

    Args:
        in_channels (int): Size of each input feature vector, or ``-1`` to take it from the
            first input (the weight is created then, as PyG's lazy ``Linear`` does).
        out_channels (int): Size of each output feature vector.
        improved (bool, optional): Use :math:`\hat{\mathbf{A}} = \mathbf{A} + 2\mathbf{I}`.
            (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once and reuse it while the layer is
            called on the same graph (the same ``edge_index`` and ``edge_weight`` tensors, not
            edited in place; :class:`~gcnlab.nn.graph_key.GraphKey`); another graph is
            normalized anew and replaces it. (default: :obj:`False`)
        add_self_loops (bool, optional): Add self-loops before normalizing; ``None`` means
            ``normalize``, as in PyG. (default: :obj:`None`)
        normalize (bool, optional): Apply the symmetric normalization; if :obj:`False` the
            given edge weights (or matrix values) are used as they are. (default: :obj:`True`)
        bias (bool, optional): Learn an additive bias. (default: :obj:`True`)
        **kwargs (optional): Passed on to ``torch_geometric.nn.MessagePassing``.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` or
          :math:`(B, |\mathcal{V}|, F_{in})` (dense; 2-D also ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or a
          transposed adjacency :math:`(|\mathcal{V}|, |\mathcal{V}|)` (``torch.sparse`` or
          :class:`~gcnlab.NormalizedAdjacency`), edge weights :math:`(|\mathcal{E}|)`
          *(optional, with edge indices only)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})` or
          :math:`(B, |\mathcal{V}|, F_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        improved: bool = False,
        cached: bool = False,
        add_self_loops: bool | None = None,
        normalize: bool = True,
        bias: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if not (in_channels == -1 or in_channels >= 1) or out_channels < 1:
            raise ValueError(
                "in_channels must be positive (or -1: lazy) and out_channels positive, "
                f"got {in_channels}, {out_channels}"
            )
        if add_self_loops is None:
            add_self_loops = normalize
        if add_self_loops and not normalize:
            raise ValueError(
                "GCNConv adds self-loops only as part of normalization: "
                "pass add_self_loops=False with normalize=False"
            )
        self.out_channels = out_channels
        self.improved = improved
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize

        self._lazy = in_channels == -1  # no weight until the first call shows the input size
        if self._lazy:
            self.lin: torch.nn.Linear = torch.nn.LazyLinear(out_channels, bias=False)
        else:
            self.lin = torch.nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self._cached_adj: SparseMatrix | None = None
        self._cached_key: GraphKey | None = None  # the graph _cached_adj was built from
        self.reset_parameters()

    @property
    def in_channels(self) -> int:
        """Size of each input feature vector; ``-1`` until a lazy layer has seen an input."""
        return -1 if is_lazy(self.lin.weight) else self.lin.weight.size(1)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if not is_lazy(self.lin.weight):
            torch.nn.init.xavier_uniform_(self.lin.weight)  # Glorot, as in the paper
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)
        self._cached_adj = None
        self._cached_key = None

    def forward(
        self, x: Features, edge_index: Adjacency, edge_weight: Tensor | None = None
    ) -> Tensor:
        # x: [N, in_channels] or [B, N, in_channels], edge_index: [2, E] or [N, N]
        if isinstance(x, (tuple, list)):
            raise ValueError(
                "GCNConv does not do bipartite message passing; pass one feature matrix"
            )
        # Step 1: Â = D^-1/2 (A + I) D^-1/2, a CSR operator [N, N] or normalized edges [2, E']
        adj = self._normalized(x, edge_index, edge_weight)
        # Step 2: h = X W, before propagating, so the sparse product runs on out_channels columns
        h = self._linear(x)  # [N, out_channels]
        # Step 3: propagate: out_i = sum_j Â_ji h_j
        out = self._propagate(adj, h)  # [N, out_channels]
        # Step 4: add the bias once per node
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j: Tensor, edge_weight: Tensor | None) -> Tensor:
        # x_j: [E, out_channels], edge_weight: [E]
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j

    def _fused(self, edge_index: Adjacency, edge_weight: Tensor | None) -> bool:
        """The path rule: a CSR product when the adjacency is a matrix, or an ``edge_index``
        normalized once and cached; message passing when it is normalized anew on every call
        (``cached=False``, ``normalize=False``, or an ``edge_weight`` that needs a gradient,
        which changes every step)."""
        if isinstance(edge_index, SparseMatrix) or is_torch_sparse(edge_index):
            return True
        learned = edge_weight is not None and edge_weight.requires_grad
        return self.cached and self.normalize and not learned

    def _normalized(
        self, x: Features, edge_index: Adjacency, edge_weight: Tensor | None
    ) -> SparseMatrix | Edges:
        num_nodes = x.shape[self.node_dim]
        dtype = x.values.dtype if isinstance(x, SparseMatrix) else x.dtype
        if self._fused(edge_index, edge_weight):
            return self._operator(edge_index, edge_weight, num_nodes, _product_dtype(dtype))
        return self._edges(edge_index, edge_weight, num_nodes, dtype)

    def _linear(self, x: Features) -> Tensor:
        if self._lazy:  # a flag, not is_lazy(): this runs on every call
            self._initialize(x.shape[-1])
        if isinstance(x, SparseMatrix):
            return _product(x, self.lin.weight.t())
        if is_torch_sparse(x):
            if x.requires_grad:  # rare: gradients w.r.t. sparse inputs need torch's own product
                return torch.sparse.mm(x.to_sparse_coo(), self.lin.weight.t())
            return _product(SparseMatrix.from_tensor(x), self.lin.weight.t())
        return self.lin(x)

    def _propagate(self, adj: SparseMatrix | Edges, h: Tensor) -> Tensor:
        if isinstance(adj, SparseMatrix):
            return _product(adj, h, self.node_dim)  # one sparse x dense product
        edge_index, edge_weight = adj
        # message() scales each source row, aggr="add" sums per target
        return self.propagate(edge_index, x=h, edge_weight=edge_weight)

    def _initialize(self, in_channels: int) -> None:
        """Create the weight of a lazy layer (``in_channels=-1``), Glorot as in the paper,
        unless a loaded ``state_dict`` has created it already."""
        if is_lazy(self.lin.weight):
            with torch.no_grad():
                self.lin.in_features = in_channels
                self.lin.weight.materialize((self.out_channels, in_channels))
                torch.nn.init.xavier_uniform_(self.lin.weight)
        self._lazy = False

    def _edges(
        self, edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int, dtype: torch.dtype
    ) -> Edges:
        if not self.normalize:  # nothing is built: check the ids the messages will index with
            check_ids(edge_index, num_nodes, "edge_index")
            return edge_index, edge_weight
        return gcn_norm(
            edge_index, edge_weight, num_nodes, self.improved, self.add_self_loops, self.flow, dtype
        )

    def _operator(
        self,
        edge_index: Adjacency,
        edge_weight: Tensor | None,
        num_nodes: int,
        dtype: torch.dtype,
    ) -> SparseMatrix:
        if not isinstance(edge_index, Tensor) or is_torch_sparse(edge_index):
            _check_matrix(edge_index, edge_weight, num_nodes, self.normalize)
        if isinstance(edge_index, SparseMatrix):
            return edge_index  # a NormalizedAdjacency, or any matrix with normalize=False
        key = GraphKey(edge_index, edge_weight, num_nodes, dtype)
        if self.cached and self.normalize and self._cached_key is not None:
            if self._cached_key.matches(key):
                return self._cached_adj  # type: ignore[return-value]
            # another graph (or the same one edited in place, moved, or in another dtype):
            # normalize it anew rather than reuse Â of the graph the cache was built from
        if is_torch_sparse(edge_index):
            adj_t = edge_index
            if self.normalize:
                adj_t, _ = gcn_norm(adj_t, None, num_nodes, self.improved, self.add_self_loops)
            adj: SparseMatrix = SparseMatrix.from_tensor(adj_t.to(dtype))
        else:
            adj = normalized_adjacency(
                edge_index,
                None if edge_weight is None else edge_weight.to(dtype),
                num_nodes,
                improved=self.improved,
                add_self_loops=self.add_self_loops,
                flow=self.flow,
                dtype=dtype,
            )
        if self.cached and self.normalize:
            self._cached_adj, self._cached_key = adj, key
        return adj

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"


def _check_matrix(
    adj: Tensor | SparseMatrix,
    edge_weight: Tensor | None,
    num_nodes: int,
    normalize: bool,
    layer: str = "GCNConv",
) -> None:
    """Refuse what a matrix adjacency cannot mean: edge weights beside it (its values are the
    weights), a plain SparseMatrix to normalize (nothing says whether it is normalized already,
    and normalizing twice changes results silently), and a size other than the node count."""
    if edge_weight is not None:
        raise ValueError(
            "edge_weight goes with an edge_index [2, E] only: an adjacency matrix carries its "
            "weights as its values (a NormalizedAdjacency has them normalized in already)"
        )
    if normalize and isinstance(adj, SparseMatrix) and not isinstance(adj, NormalizedAdjacency):
        raise TypeError(
            f"{layer} cannot tell whether a plain SparseMatrix is normalized: pass "
            "gcnlab.normalized_adjacency(edge_index, ...), wrap your own operator m as "
            "gcnlab.NormalizedAdjacency(m.mat, m.t, m.perm) to use it as it is, or pass the "
            "raw transposed adjacency as torch.sparse (m.mat) to have it normalized"
        )
    if tuple(adj.shape) != (num_nodes, num_nodes):
        raise ValueError(
            f"the adjacency is {tuple(adj.shape)} but the features have {num_nodes} nodes"
        )


def _product_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a sparse product runs in for features of ``dtype``."""
    return torch.float32 if dtype in _HALF else dtype


def _product(a: SparseMatrix, dense: Tensor, node_dim: int = -2) -> Tensor:
    """``a @ dense`` over ``dense``'s node dimension, for any batch shape and dtype.

    Batches (``[B, N, F]``, broadcast as PyG does) are folded into columns, so one product
    serves all of them. float16/bfloat16 run in float32 and come back in their own dtype.
    """
    if dense.dtype in _HALF:
        if a.values.dtype != torch.float32:
            a = a.to(a.values.device, torch.float32)
        return _product(a, dense.float(), node_dim).to(dense.dtype)
    if dense.dim() == 2:  # [N, F]: the common case, one call
        return spmm(a, dense)
    moved = dense.movedim(node_dim, 0)  # [N, B, F]
    out = spmm(a, moved.reshape(moved.size(0), -1))  # [N, B * F]
    return out.view(a.shape[0], *moved.shape[1:]).movedim(0, node_dim)
