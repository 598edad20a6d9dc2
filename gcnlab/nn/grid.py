r"""An image convolution's wiring as a graph: input pixels → output pixels, one edge per kernel tap.

A 2-D convolution reads, for output pixel :math:`(o_r, o_c)` and kernel tap :math:`(a, b)`, the
input pixel

.. math::
    (i_r, i_c) = (o_r s_h - p_h + a\, d_h,\; o_c s_w - p_w + b\, d_w)

with stride :math:`s`, zero padding :math:`p` and dilation :math:`d`. :func:`grid_graph` turns
each such read into a directed edge ``input pixel → output pixel`` labelled with the tap's id
:math:`k = a\, k_w + b` (row-major over the kernel, the order of ``Conv2d.weight[:, :, a, b]``).
A tap that falls in the zero padding reads a zero, so it contributes nothing: it has no edge.

Node order is row-major on both sides: input pixel ``(r, c)`` is node ``r * W + c`` of the
``H * W`` input nodes, output pixel ``(r, c)`` is node ``r * W' + c`` of the ``H' * W'`` output
nodes. The graph is bipartite (two node sets), so with PyG use ``size=(H * W, H' * W')``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

Pair = tuple[int, int]


def pair(value: int | tuple[int, int], name: str, minimum: int) -> Pair:
    """``3`` → ``(3, 3)``; check both entries are integers ``>= minimum``."""
    out = (value, value) if isinstance(value, int) else tuple(value)
    if len(out) != 2 or not all(isinstance(v, int) and v >= minimum for v in out):
        raise ValueError(f"{name} must be an integer >= {minimum} or a pair of them, got {value!r}")
    return out  # type: ignore[return-value]


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Conv2d's output length along one axis: ``(size + 2p - d(k - 1) - 1) // s + 1``."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True, eq=False)
class GridGraph:
    """The bipartite graph of one convolution on one image size (see the module docstring).

    ``edge_index[0]`` holds input pixels (sources), ``edge_index[1]`` output pixels (targets);
    edges are sorted by output pixel, then by tap, so each output pixel's receptive field is a
    contiguous run in kernel order.
    """

    edge_index: Tensor  # [2, E] long: (input pixel, output pixel), row-major ids
    offset: Tensor  # [E] long: kernel tap id a * kw + b of each edge
    in_shape: Pair  # (H, W)
    out_shape: Pair  # (H', W')
    kernel_size: Pair  # (kh, kw)
    stride: Pair
    padding: Pair
    dilation: Pair

    @property
    def num_in_nodes(self) -> int:
        return self.in_shape[0] * self.in_shape[1]

    @property
    def num_out_nodes(self) -> int:
        return self.out_shape[0] * self.out_shape[1]

    @property
    def num_offsets(self) -> int:
        return self.kernel_size[0] * self.kernel_size[1]

    @property
    def num_edges(self) -> int:
        return self.edge_index.size(1)

    @property
    def size(self) -> Pair:
        """``(num_in_nodes, num_out_nodes)``, the ``size`` PyG's ``propagate`` wants."""
        return self.num_in_nodes, self.num_out_nodes

    def neighbour_table(self) -> Tensor:
        """The same edges as a dense table ``[H' * W', kh * kw]``: entry ``[o, k]`` is the input
        pixel that tap ``k`` of output pixel ``o`` reads, or ``num_in_nodes`` (a "ghost" node
        whose features are zero) where the tap falls in the padding."""
        table = torch.full(
            (self.num_out_nodes, self.num_offsets),
            self.num_in_nodes,
            dtype=torch.long,
            device=self.edge_index.device,
        )
        table[self.edge_index[1], self.offset] = self.edge_index[0]
        return table

    def to(self, device: torch.device | str) -> GridGraph:
        return GridGraph(
            self.edge_index.to(device),
            self.offset.to(device),
            self.in_shape,
            self.out_shape,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_shape[0]}x{self.in_shape[1]} -> "
            f"{self.out_shape[0]}x{self.out_shape[1]}, kernel={self.kernel_size}, "
            f"edges={self.num_edges})"
        )


def grid_graph(
    height: int,
    width: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    *,
    device: torch.device | str | None = None,
) -> GridGraph:
    """The graph of a ``Conv2d`` with these hyper-parameters on a ``height × width`` image.

    Args:
        height (int): Input image height :math:`H`.
        width (int): Input image width :math:`W`.
        kernel_size (int or (int, int)): Kernel size :math:`(k_h, k_w)`.
        stride (int or (int, int), optional): Stride. (default: :obj:`1`)
        padding (int or (int, int), optional): Zero padding on each side; padded taps get no
            edge. (default: :obj:`0`)
        dilation (int or (int, int), optional): Spacing between taps. (default: :obj:`1`)
        device (torch.device, optional): Where the tensors live. (default: CPU)

    Shapes:
        - **output:** ``edge_index`` :math:`(2, |\\mathcal{E}|)`, ``offset``
          :math:`(|\\mathcal{E}|)` with :math:`|\\mathcal{E}| \\le H' W' k_h k_w`
    """
    if not (isinstance(height, int) and isinstance(width, int) and height >= 1 and width >= 1):
        raise ValueError(f"height and width must be positive integers, got {height}, {width}")
    kernel, step = pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1)
    pad, dil = pair(padding, "padding", 0), pair(dilation, "dilation", 1)
    out_h = output_size(height, kernel[0], step[0], pad[0], dil[0])
    out_w = output_size(width, kernel[1], step[1], pad[1], dil[1])
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"a {kernel[0]}x{kernel[1]} kernel (dilation {dil}, padding {pad}) does "
            f"not fit a {height}x{width} image"
        )

    # Step 1: every read (output row, output column, tap row, tap column) as a [H', W', kh, kw] grid
    def arange(n: int, dims: tuple[int, ...]) -> Tensor:
        return torch.arange(n, device=device).view(dims)

    shape = (out_h, out_w, kernel[0], kernel[1])
    rows = (
        arange(out_h, (-1, 1, 1, 1)) * step[0] - pad[0] + arange(kernel[0], (1, 1, -1, 1)) * dil[0]
    )
    cols = (
        arange(out_w, (1, -1, 1, 1)) * step[1] - pad[1] + arange(kernel[1], (1, 1, 1, -1)) * dil[1]
    )
    rows, cols = rows.expand(shape), cols.expand(shape)  # input pixel read: [H', W', kh, kw]
    target = arange(out_h * out_w, (out_h, out_w, 1, 1)).expand(shape)  # output pixel id
    tap = arange(kernel[0] * kernel[1], (1, 1, kernel[0], kernel[1])).expand(shape)  # tap id

    # Step 2: drop the reads that land in the zero padding
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    source = rows[inside] * width + cols[inside]  # row-major input ids; [E]
    edge_index = torch.stack([source, target[inside]])  # [2, E], sorted by target then tap
    return GridGraph(
        edge_index, tap[inside], (height, width), (out_h, out_w), kernel, step, pad, dil
    )
