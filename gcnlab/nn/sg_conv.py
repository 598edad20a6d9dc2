"""The simple graph convolution (SGC) of Wu et al. (2019)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.parameter import is_lazy

from gcnlab.nn.gcn_conv import _product
from gcnlab.nn.gcn_family import Adjacency, Features, GCNFamilyConv, check_k
from gcnlab.nn.graph_key import GraphKey
from gcnlab.nn.sparse import SparseMatrix, is_torch_sparse


class SGConv(GCNFamilyConv):
    r"""The simple graph convolution from `"Simplifying Graph Convolutional Networks"
    <https://arxiv.org/abs/1902.07153>`_ (Wu et al., ICML 2019): :math:`K` propagation steps
    without nonlinearities, then one linear map.

    .. math::
        \mathbf{X}' = \left(\hat{\mathbf{D}}^{-1/2} \hat{\mathbf{A}}
                      \hat{\mathbf{D}}^{-1/2}\right)^K \mathbf{X} \mathbf{\Theta} + \mathbf{b}

    where :math:`\hat{\mathbf{A}} = \mathbf{A} + \mathbf{I}` (edge weights allowed; only missing
    self-loops are added) and :math:`\hat{D}_{ii} = \sum_j \hat{A}_{ji}`.

    It computes what ``torch_geometric.nn.SGConv`` computes, takes the same arguments in the
    same order and has the same parameters (``lin.weight`` ``[out, in]``, ``lin.bias``
    ``[out]``), so state dicts load both ways. The operator is one CSR matrix and each hop one
    sparse-dense product (:mod:`gcnlab.nn.gcn_family`). Differences from PyG:

    * ``cached=True`` keeps :math:`\hat{\mathbf{P}}^K \mathbf{X}` for the graph *and* the
      features it was computed from (:class:`~gcnlab.nn.graph_key.GraphKey`, with ``features``):
      another graph or another features tensor (or either edited in place) computes it anew.
      PyG reuses its first result for any later input. As in PyG, the cached product is
      detached: later calls send no gradient to ``x``.
    * Without the cache, :math:`\mathbf{X}\mathbf{\Theta}` is computed first when that gives
      fewer columns to propagate (``out_channels < in_channels``, or sparse features): the same
      product, reassociated, so results agree with PyG to float rounding.
    * ``x`` may be sparse bag-of-words features (:class:`~gcnlab.SparseMatrix` or
      ``torch.sparse``), multiplied without densifying them (except once for the cached
      :math:`\hat{\mathbf{P}}^K \mathbf{X}`, which is dense anyway).
    * ``K < 1`` is refused (PyG's ``K=0`` is a plain linear layer).

    Args:
        in_channels (int): Size of each input feature vector, or ``-1`` to take it from the
            first input.
        out_channels (int): Size of each output feature vector.
        K (int, optional): Number of hops :math:`K`, at least 1. (default: :obj:`1`)
        cached (bool, optional): Compute :math:`\hat{\mathbf{P}}^K \mathbf{X}` once and reuse it
            while the layer is called on the same graph and features (transductive learning).
            (default: :obj:`False`)
        add_self_loops (bool, optional): Add the missing self-loops before normalizing.
            (default: :obj:`True`)
        bias (bool, optional): Learn an additive bias. (default: :obj:`True`)
        **kwargs (optional): Passed on to ``torch_geometric.nn.MessagePassing``.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense, ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or a
          transposed adjacency :math:`(|\mathcal{V}|, |\mathcal{V}|)` (``torch.sparse`` or
          :class:`~gcnlab.NormalizedAdjacency`), edge weights :math:`(|\mathcal{E}|)`
          *(optional, with edge indices only)*
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        K: int = 1,
        cached: bool = False,
        add_self_loops: bool = True,
        bias: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(cached, add_self_loops, normalize=True, **kwargs)
        if not (in_channels == -1 or in_channels >= 1) or out_channels < 1:
            raise ValueError(
                "SGConv needs in_channels >= 1 (or -1: lazy) and out_channels >= 1, "
                f"got {in_channels}, {out_channels}"
            )
        check_k("SGConv", K)
        self.out_channels = out_channels
        self.K = K
        if in_channels == -1:  # no weight until the first call shows the input size
            self.lin: torch.nn.Linear = torch.nn.LazyLinear(out_channels, bias=bias)
        else:
            self.lin = torch.nn.Linear(in_channels, out_channels, bias=bias)
        self._cached_x: Tensor | None = None  # P̂^K X, detached
        self._cached_x_key: GraphKey | None = None  # the graph and features it came from
        self.reset_parameters()

    @property
    def in_channels(self) -> int:
        """Size of each input feature vector; ``-1`` until a lazy layer has seen an input."""
        return -1 if is_lazy(self.lin.weight) else self.lin.weight.size(1)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self.lin.reset_parameters()  # PyG's Linear default: the same Kaiming-uniform init
        self._cached_x = None
        self._cached_x_key = None

    def forward(
        self, x: Features, edge_index: Adjacency, edge_weight: Tensor | None = None
    ) -> Tensor:
        # x: [N, in_channels], edge_index: [2, E] or [N, N]
        if is_lazy(self.lin.weight):  # materialize it through the module's own hook
            self.lin(torch.zeros(1, x.shape[-1], dtype=self.lin.weight.dtype))
        if self.cached:
            # Step 1: P̂^K X, from the cache if this graph and these features made it
            key = GraphKey(edge_index, edge_weight, x.shape[self.node_dim], _dtype(x), features=x)
            if self._cached_x_key is None or not self._cached_x_key.matches(key):
                h = _dense(x)  # [N, in_channels]
                adj = self._adjacency(x, edge_index, edge_weight)
                for _ in range(self.K):  # Step 2: K hops, one CSR product each
                    h = self._propagate(adj, h)
                self._cached_x, self._cached_x_key = h.detach(), key
                return self.lin(h)  # Step 3: logistic regression on P̂^K X
            return self.lin(self._cached_x)  # type: ignore[arg-type]
        # Step 1: P̂ once per call
        adj = self._adjacency(x, edge_index, edge_weight)
        sparse = isinstance(x, SparseMatrix) or is_torch_sparse(x)
        if not sparse and self.out_channels >= x.shape[-1]:
            h = x
            for _ in range(self.K):  # Step 2: K hops on the in_channels columns
                h = self._propagate(adj, h)
            return self.lin(h)  # Step 3: [N, out_channels]
        # Step 2: X Θ first, so the K hops run on the fewer out_channels columns
        h = self._linear(x)  # [N, out_channels]
        for _ in range(self.K):  # Step 3: K hops
            h = self._propagate(adj, h)
        return h if self.lin.bias is None else h + self.lin.bias

    def _linear(self, x: Features) -> Tensor:
        """``X Θ`` without the bias, for dense or sparse ``X``."""
        if isinstance(x, SparseMatrix):
            return _product(x, self.lin.weight.t())
        if is_torch_sparse(x):
            if x.requires_grad:  # gradients w.r.t. sparse inputs need torch's own product
                return torch.sparse.mm(x.to_sparse_coo(), self.lin.weight.t())
            return _product(SparseMatrix.from_tensor(x), self.lin.weight.t())
        return x @ self.lin.weight.t()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, K={self.K})"


def _dtype(x: Features) -> torch.dtype:
    return x.values.dtype if isinstance(x, SparseMatrix) else x.dtype


def _dense(x: Features) -> Tensor:
    """Features as a dense tensor (``P̂^K X`` is dense: sparse features are densified once)."""
    if isinstance(x, SparseMatrix):
        return x.to_dense()
    return x.to_dense() if is_torch_sparse(x) else x
