"""The two-layer GCN of Kipf & Welling (2017)."""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.dropout import dropout
from gcnlab.nn.gcn_conv import GCNConv
from gcnlab.nn.norm import NormalizedAdjacency
from gcnlab.nn.sparse import SparseMatrix, is_torch_sparse


class GCN(torch.nn.Module):
    r"""The paper's model: :math:`Z = \hat{A}\,\mathrm{ReLU}(\hat{A} X W^{(0)})\, W^{(1)}`
    (logits; the softmax is in the loss), with dropout before each layer.

    The arguments are ``(in_channels, hidden_channels, out_channels)``, the order of PyG's
    models (``torch_geometric.nn.models.GCN``) and of the README's ``Net``. Every size is
    required: with a default hidden width, ``GCN(1433, 7)`` would build a 7-unit hidden layer
    and no output size, so it raises :class:`TypeError` instead. The parameter names
    (``conv1``, ``conv2``) are those checkpoints store.

    Args:
        in_channels (int): Number of input features.
        hidden_channels (int): Width of the hidden layer (the paper's: 16).
        out_channels (int): Number of classes.
        dropout (float, optional): Dropout probability before each layer; on sparse input
            features it drops only the stored non-zeros, as the original code does
            (:func:`gcnlab.dropout`). (default: :obj:`0.5`)
        bias (bool, optional): Add a bias in each layer; the original model has none.
            (default: :obj:`False`)
        cached (bool, optional): Normalize the graph once (transductive). (default: :obj:`True`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense, ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or a
          :class:`~gcnlab.NormalizedAdjacency` :math:`(|\mathcal{V}|, |\mathcal{V}|)`
        - **output:** logits :math:`(|\mathcal{V}|, C)`
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        *,
        dropout: float = 0.5,
        bias: bool = False,
        cached: bool = True,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.dropout = dropout
        self.conv1 = GCNConv(in_channels, hidden_channels, cached=cached, bias=bias)
        self.conv2 = GCNConv(hidden_channels, out_channels, cached=cached, bias=bias)

    def reset_parameters(self) -> None:
        self.conv1.reset_parameters()
        self.conv2.reset_parameters()

    def forward(
        self,
        x: Tensor | SparseMatrix,
        edge_index: Tensor | NormalizedAdjacency,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        h = self.embed(x, edge_index, edge_weight)  # [N, hidden]
        h = dropout(h, self.dropout, self.training)
        return self.conv2(h, edge_index, edge_weight)  # [N, C]

    def embed(
        self,
        x: Tensor | SparseMatrix,
        edge_index: Tensor | NormalizedAdjacency,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        r"""The hidden layer :math:`H = \mathrm{ReLU}(\hat{A} X W^{(0)})` ``[N, hidden]``,
        after input dropout when training: the node representation the paper's t-SNE figure
        shows."""
        # x: [N, F_in]
        if is_torch_sparse(x):
            x = SparseMatrix.from_tensor(x)
        x = dropout(x, self.dropout, self.training)  # on a SparseMatrix: the non-zeros only
        return self.conv1(x, edge_index, edge_weight).relu()  # [N, hidden]

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.conv1.in_channels}, "
            f"{self.conv1.out_channels}, {self.conv2.out_channels}, dropout={self.dropout})"
        )
