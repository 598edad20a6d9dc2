r"""The GCN family's node classifiers, built from :class:`~gcnlab.SGConv`, :class:`~gcnlab.APPNP`
and :class:`~gcnlab.GCN2Conv` as their papers build them (``gcnlab train --model``).

Each takes ``(x, adj)`` like :class:`~gcnlab.GCN`: node features ``[N, F]`` (dense or a
:class:`~gcnlab.SparseMatrix`, where dropout drops only the non-zeros) and the normalized
adjacency :math:`\hat{P} = \hat{D}^{-1/2} (A + I) \hat{D}^{-1/2}` as a
:class:`~gcnlab.NormalizedAdjacency` (or edge indices), and returns logits ``[N, C]``;
``embed`` gives the representation before the classifier, and ``param_groups`` the optimizer's
groups with the paper's weight decays.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from gcnlab.nn.appnp import APPNP
from gcnlab.nn.dropout import dropout
from gcnlab.nn.gcn2_conv import GCN2Conv
from gcnlab.nn.sg_conv import SGConv
from gcnlab.nn.sparse import SparseMatrix, spmm

Features = Tensor | SparseMatrix


def _linear(lin: torch.nn.Linear, x: Features) -> Tensor:
    """``lin(x)`` for dense or sparse ``x`` (bag-of-words features: one sparse product)."""
    if isinstance(x, SparseMatrix):
        out = spmm(x, lin.weight.t())  # [N, out]
        return out if lin.bias is None else out + lin.bias
    return lin(x)


class SGC(torch.nn.Module):
    r"""Simple graph convolution (Wu et al., ICML 2019): logistic regression on
    :math:`\hat{P}^K X`, computed on the first call and kept (:class:`~gcnlab.SGConv` with
    ``cached=True``), so training is a linear model on fixed features.

    Args:
        in_channels (int): Number of input features.
        out_channels (int): Number of classes.
        K (int, optional): Propagation steps. (default: :obj:`2`)
    """

    def __init__(self, in_channels: int, out_channels: int, *, K: int = 2) -> None:
        super().__init__()
        self.conv = SGConv(in_channels, out_channels, K=K, cached=True)

    def forward(self, x: Features, adj: Tensor, rows: Tensor | None = None) -> Tensor:
        r"""Logits ``[N, C]``, or ``[len(rows), C]`` of the nodes ``rows`` only: the official code
        trains on the training rows of :math:`\hat{P}^K X` alone, a product with 140 rows
        instead of 2708 on Cora."""
        if rows is None:
            return self.conv(x, adj)  # [N, C]
        h = self.embed(x, adj)[rows]  # [len(rows), F]
        return self.conv.lin(h)  # [len(rows), C]

    def embed(self, x: Features, adj: Tensor) -> Tensor:
        r""":math:`\hat{P}^K X` ``[N, F]``: the features the regression sees."""
        self.conv(x, adj)  # fills the cache when this graph and these features are new
        return self.conv._cached_x  # type: ignore[return-value]

    def param_groups(self, weight_decay: float, conv_weight_decay: float | None) -> list[dict]:
        # the official code decays every parameter (Adam's weight_decay on the whole model)
        return [{"params": list(self.parameters()), "weight_decay": weight_decay}]


class APPNPNet(torch.nn.Module):
    r"""APPNP (Klicpera et al., ICLR 2019): a two-layer MLP predicts, then :math:`K` steps of
    personalized-PageRank power iteration propagate (:class:`~gcnlab.APPNP`). Dropout before
    each layer and, with the same probability, on the adjacency at every step, as the paper.

    Args:
        in_channels (int): Number of input features.
        hidden_channels (int): Width of the MLP's hidden layer (the paper's: 64).
        out_channels (int): Number of classes.
        K (int, optional): Power-iteration steps. (default: :obj:`10`)
        alpha (float, optional): Teleport probability. (default: :obj:`0.1`)
        dropout (float, optional): Dropout probability. (default: :obj:`0.5`)
        bias (bool, optional): Biases in the MLP (the paper's code has none).
            (default: :obj:`False`)
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        *,
        K: int = 10,
        alpha: float = 0.1,
        dropout: float = 0.5,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.dropout = dropout
        self.lin1 = torch.nn.Linear(in_channels, hidden_channels, bias=bias)
        self.lin2 = torch.nn.Linear(hidden_channels, out_channels, bias=bias)
        self.prop = APPNP(K=K, alpha=alpha, dropout=dropout)

    def embed(self, x: Features, adj: Tensor) -> Tensor:
        """The MLP's hidden layer ``[N, hidden]`` (after the ReLU)."""
        x = dropout(x, self.dropout, self.training)  # on a SparseMatrix: the non-zeros only
        return _linear(self.lin1, x).relu()

    def forward(self, x: Features, adj: Tensor) -> Tensor:
        h = dropout(self.embed(x, adj), self.dropout, self.training)  # [N, hidden]
        return self.prop(self.lin2(h), adj)  # predict [N, C], then propagate

    def param_groups(self, weight_decay: float, conv_weight_decay: float | None) -> list[dict]:
        # L2 on the first layer only, as the paper
        return [
            {"params": list(self.lin1.parameters()), "weight_decay": weight_decay},
            {"params": list(self.lin2.parameters()), "weight_decay": 0.0},
        ]


class GCNII(torch.nn.Module):
    r"""GCNII (Chen et al., ICML 2020): a linear layer to ``hidden_channels``, ``num_layers``
    :class:`~gcnlab.GCN2Conv` layers (initial residual ``alpha``, identity mapping
    :math:`\beta_\ell = \log(\theta / \ell + 1)`, one weight each), each followed by a ReLU, and a
    linear classifier; dropout before every layer.

    The convolutions' weights start uniform in :math:`\pm 1 / \sqrt{\text{hidden}}`, the official
    code's initialization (``GCN2Conv``'s own is PyG's Glorot).

    Args:
        in_channels (int): Number of input features.
        hidden_channels (int): Width of every convolution (Cora: 64).
        out_channels (int): Number of classes.
        num_layers (int, optional): Convolutions. (default: :obj:`64`)
        alpha (float, optional): Initial-residual strength. (default: :obj:`0.1`)
        theta (float, optional): :math:`\theta` (the paper's :math:`\lambda`). (default:
            :obj:`0.5`)
        dropout (float, optional): Dropout probability. (default: :obj:`0.6`)
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        *,
        num_layers: int = 64,
        alpha: float = 0.1,
        theta: float = 0.5,
        dropout: float = 0.6,
    ) -> None:
        super().__init__()
        self.dropout = dropout
        self.lin1 = torch.nn.Linear(in_channels, hidden_channels)
        self.convs = torch.nn.ModuleList(
            GCN2Conv(hidden_channels, alpha=alpha, theta=theta, layer=i + 1)
            for i in range(num_layers)
        )
        self.lin2 = torch.nn.Linear(hidden_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()
        bound = 1.0 / math.sqrt(self.lin1.out_features)
        for conv in self.convs:
            torch.nn.init.uniform_(conv.weight1, -bound, bound)

    def embed(self, x: Features, adj: Tensor) -> Tensor:
        """The last convolution's output ``[N, hidden]`` (after its ReLU)."""
        x = dropout(x, self.dropout, self.training)  # on a SparseMatrix: the non-zeros only
        h = h_0 = _linear(self.lin1, x).relu()  # H^(0): [N, hidden]
        for conv in self.convs:
            h = dropout(h, self.dropout, self.training)
            h = conv(h, h_0, adj).relu()  # [N, hidden]
        return h

    def forward(self, x: Features, adj: Tensor) -> Tensor:
        h = dropout(self.embed(x, adj), self.dropout, self.training)
        return self.lin2(h)  # [N, C]

    def param_groups(self, weight_decay: float, conv_weight_decay: float | None) -> list[dict]:
        # two decays, as the official code: the convolutions', the dense layers'
        dense = [*self.lin1.parameters(), *self.lin2.parameters()]
        return [
            {"params": list(self.convs.parameters()), "weight_decay": conv_weight_decay or 0.0},
            {"params": dense, "weight_decay": weight_decay},
        ]


FamilyModel = SGC | APPNPNet | GCNII
