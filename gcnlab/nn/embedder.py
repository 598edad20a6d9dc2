r"""A deep GCN that maps each node to a point in a small space, with a linear classifier on top:
the model of Kipf & Welling's karate-club demonstration (`blog post
<https://tkipf.github.io/graph-convolutional-networks/>`_, and PyG's introductory example).

Even untrained, three rounds of normalized-neighbourhood averaging with random weights place
nodes of the same community near each other: :math:`\tilde{A}^3 X` is already smooth over the
graph, whatever :math:`W`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from gcnlab.nn.gcn_conv import GCNConv


class GCNEmbedder(torch.nn.Module):
    r"""GCN layers with :math:`\tanh` down to a ``embedding_channels``-dimensional embedding,
    then a linear layer to class logits:

    .. math::
        H^{(l+1)} = \tanh\!\big(\tilde{A} H^{(l)} W^{(l)} + b^{(l)}\big), \qquad
        \hat{Y} = H^{(L)} W_{\mathrm{out}} + b_{\mathrm{out}}

    with :math:`H^{(0)} = X` and :math:`\tilde{A}` the normalized adjacency with self-loops.

    Args:
        in_channels (int): Number of input features.
        num_classes (int): Number of classes of the classifier.
        hidden_channels (Sequence[int], optional): Widths of the hidden GCN layers.
            (default: :obj:`(4, 4)`, Kipf's karate model)
        embedding_channels (int, optional): Width of the last GCN layer, the embedding.
            (default: :obj:`2`, so it can be drawn)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`, edge indices
          :math:`(2, |\mathcal{E}|)`
        - **output:** logits :math:`(|\mathcal{V}|, C)` and the embedding
          :math:`(|\mathcal{V}|, F_{emb})`
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        hidden_channels: Sequence[int] = (4, 4),
        embedding_channels: int = 2,
    ) -> None:
        super().__init__()
        widths = [in_channels, *hidden_channels, embedding_channels]
        # cached: the graph is fixed (transductive), so normalize it once
        self.convs = torch.nn.ModuleList(
            GCNConv(a, b, cached=True) for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.classifier = torch.nn.Linear(embedding_channels, num_classes)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        self.classifier.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor) -> tuple[Tensor, Tensor]:
        # x: [N, F_in]
        h = x
        for conv in self.convs:  # Step 1: propagate, transform, squash: [N, width] each
            h = torch.tanh(conv(h, edge_index))
        # Step 2: class scores from the embedding alone: [N, C]
        return self.classifier(h), h

    def __repr__(self) -> str:
        widths = [self.convs[0].in_channels, *(c.out_channels for c in self.convs)]
        return (
            f"{self.__class__.__name__}({' -> '.join(map(str, widths))}, "
            f"classes={self.classifier.out_features})"
        )
