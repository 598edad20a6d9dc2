"""A small CNN for 8×8 digits: GridConv/GridPool (message passing) or Conv2d/MaxPool2d."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.nn.choices import LAYERS
from gcnlab.nn.grid_conv import GridConv
from gcnlab.nn.grid_pool import GridPool

NUM_CLASSES = 10


class DigitsCNN(torch.nn.Module):
    r"""conv 3×3 → ReLU → pool 2 → conv 3×3 → ReLU → pool 2 → dropout → conv 2×2 (classifier).

    On an 8×8 digit: :math:`[1, 8, 8] \to [c, 4, 4] \to [2c, 2, 2] \to [10, 1, 1]`; the last
    convolution covers the whole 2×2 map, so it is the dense layer, written as a convolution.

    Args:
        channels (int, optional): Width of the first convolution. (default: :obj:`32`)
        dropout (float, optional): Dropout before the classifier. (default: :obj:`0.25`)
        layer (str, optional): ``"gridconv"`` builds it from :class:`~gcnlab.GridConv` and
            :class:`~gcnlab.GridPool` (message passing), ``"conv2d"`` from ``torch.nn.Conv2d`` and
            ``MaxPool2d``. (default: ``"gridconv"``)

    Shapes:
        - **input:** images :math:`(B, 1, 8, 8)`
        - **output:** logits :math:`(B, 10)`
    """

    def __init__(self, channels: int = 32, dropout: float = 0.25, layer: str = "gridconv") -> None:
        super().__init__()
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
        conv, pool = (
            (GridConv, GridPool) if layer == "gridconv" else (torch.nn.Conv2d, torch.nn.MaxPool2d)
        )
        self.layer = layer
        self.dropout = dropout
        self.conv1 = conv(1, channels, 3, padding=1)
        self.pool1 = pool(2)
        self.conv2 = conv(channels, 2 * channels, 3, padding=1)
        self.pool2 = pool(2)
        self.classifier = conv(2 * channels, NUM_CLASSES, 2)

    def reset_parameters(self) -> None:
        for conv in (self.conv1, self.conv2, self.classifier):
            conv.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        # x: [B, 1, 8, 8]
        h = self.pool1(self.conv1(x).relu())  # [B, c, 4, 4]
        h = self.pool2(self.conv2(h).relu())  # [B, 2c, 2, 2]
        h = F.dropout(h, self.dropout, self.training)
        return self.classifier(h).flatten(1)  # [B, 10]

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.conv1.out_channels}, {self.conv2.out_channels}, "
            f"layer={self.layer!r}, dropout={self.dropout})"
        )


class DigitsConvStack(torch.nn.Module):
    r"""``num_layers`` 3×3 convolutions with ReLU, no pooling, then a dense classifier.

    On an 8×8 digit: :math:`[1, 8, 8] \to [c, 8, 8] \to \dots \to [c, 8, 8] \to` dropout
    :math:`\to` dense :math:`[64 c] \to [10]`. The convolutions have no bias, so that
    :meth:`stack` is the stack the receptive-field study draws at random
    (:func:`~gcnlab.nn.receptive_field.conv_stack` with ``relu=True``), here trained: the two
    differ only in their weights.

    Args:
        num_layers (int): Number of 3×3 convolutions :math:`L`.
        channels (int, optional): Width of every convolution. (default: :obj:`8`)
        dropout (float, optional): Dropout before the classifier. (default: :obj:`0.25`)
        layer (str, optional): ``"gridconv"`` (message passing) or ``"conv2d"``.
            (default: ``"gridconv"``)

    Shapes:
        - **input:** images :math:`(B, 1, 8, 8)`
        - **output:** logits :math:`(B, 10)`
    """

    def __init__(
        self, num_layers: int, channels: int = 8, dropout: float = 0.25, layer: str = "gridconv"
    ) -> None:
        super().__init__()
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        conv = GridConv if layer == "gridconv" else torch.nn.Conv2d
        self.layer = layer
        self.dropout = dropout
        self.convs = torch.nn.ModuleList(
            conv(1 if i == 0 else channels, channels, 3, padding=1, bias=False)
            for i in range(num_layers)
        )
        self.classifier = torch.nn.Linear(channels * 8 * 8, NUM_CLASSES)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        self.classifier.reset_parameters()

    def stack(self) -> torch.nn.Sequential:
        """The convolutions with a ReLU between them (not after the last): the map whose
        effective receptive field the study measures. Shares the weights."""
        layers: list[torch.nn.Module] = []
        for i, conv in enumerate(self.convs):
            layers += [conv] if i == 0 else [torch.nn.ReLU(), conv]
        return torch.nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        # x: [B, 1, 8, 8]
        h = self.stack()(x).relu()  # [B, c, 8, 8]
        h = F.dropout(h.flatten(1), self.dropout, self.training)  # [B, 64 c]
        return self.classifier(h)  # [B, 10]

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({len(self.convs)}, {self.classifier.in_features // 64}, "
            f"layer={self.layer!r}, dropout={self.dropout})"
        )
