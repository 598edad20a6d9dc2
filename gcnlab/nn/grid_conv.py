r"""Image convolution written as message passing on a :func:`~gcnlab.grid_graph`, exactly.

A ``Conv2d`` is a graph convolution in which every edge knows which kernel tap it is: output pixel
:math:`i` receives from each input pixel :math:`j` in its receptive field the message
:math:`\mathbf{W}_{k(j,i)} \mathbf{x}_j`, with one weight matrix per tap :math:`k`, and sums them.
A GCN has one weight matrix for all edges instead (see :mod:`gcnlab.nn.gcn_on_grid`).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable
from torch_geometric.nn import MessagePassing

from gcnlab.nn.grid import GridGraph, grid_graph, pair

PATHS = ("table", "message")
WORKSPACE_BYTES = 16 * 2**20  # the table path's gathered columns, per chunk of images


def images_to_nodes(images: Tensor) -> Tensor:
    """``[B, C, H, W]`` → ``[B, H * W, C]``: one row per pixel, row-major (free for an image in
    ``torch.channels_last`` memory, as GridConv's outputs are)."""
    b, c, h, w = images.shape
    return images.permute(0, 2, 3, 1).reshape(b, h * w, c)


def nodes_to_images(nodes: Tensor, height: int, width: int) -> Tensor:
    """``[B, H * W, C]`` → ``[B, C, H, W]`` as a view (``torch.channels_last`` memory)."""
    return nodes.view(nodes.size(0), height, width, nodes.size(2)).permute(0, 3, 1, 2)


def _chunk_size(table: Tensor, x: Tensor, workspace_bytes: int) -> int:
    """Images per chunk so that one chunk's gathered columns fit ``workspace_bytes``."""
    per_image = table.numel() * x.size(2) * x.element_size()
    return max(1, min(x.size(0), workspace_bytes // per_image))


class _TableConv(torch.autograd.Function):
    """``cols = x[:, table]``, ``out = cols @ W^T + b`` over chunks of images; the backward
    gathers ``cols`` again instead of keeping it (see :func:`neighbour_table_conv`)."""

    @staticmethod
    def forward(
        ctx, x: Tensor, weight: Tensor, bias: Tensor | None, table: Tensor, workspace_bytes: int
    ) -> Tensor:
        # x: [B, N, C_in] (ghost row included), weight: [C_out, K C_in], table: [N_out, K]
        (b, _, c_in), (n_out, k) = x.shape, table.shape
        chunk = _chunk_size(table, x, workspace_bytes)
        index = table.reshape(-1)
        cols = x.new_empty(chunk, n_out * k, c_in)  # reused by every chunk: no fresh pages
        out = x.new_empty(b, n_out, weight.size(0))
        for start in range(0, b, chunk):
            part = cols[: min(chunk, b - start)]
            torch.index_select(x[start : start + chunk], 1, index, out=part)  # [n, N_out K, C_in]
            mat = part.view(-1, k * c_in)  # [n N_out, K C_in]: row = one output pixel's sources
            target = out[start : start + chunk].view(-1, weight.size(0))
            if bias is None:
                torch.mm(mat, weight.t(), out=target)
            else:
                torch.addmm(bias, mat, weight.t(), out=target)
        ctx.save_for_backward(x, weight, table)
        ctx.has_bias, ctx.workspace_bytes = bias is not None, workspace_bytes
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, table = ctx.saved_tensors
        (b, _, c_in), (n_out, k), c_out = x.shape, table.shape, weight.size(0)
        chunk = _chunk_size(table, x, ctx.workspace_bytes)
        grad = grad.contiguous()  # [B, N_out, C_out]
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        grad_x = torch.zeros_like(x) if need_x else None
        # dL/dW accumulates transposed, [K C_in, C_out]: cols^T @ g is the fast orientation for
        # a long, thin product (many output pixels, few taps x channels)
        grad_w_t = weight.new_zeros(k * c_in, c_out) if need_w else None
        index = table.reshape(-1)
        cols = x.new_empty(chunk, n_out * k, c_in)
        for start in range(0, b, chunk):
            g = grad[start : start + chunk]  # [n, N_out, C_out]
            part = cols[: g.size(0)]
            if need_w:  # dL/dW = sum over output pixels of g_i cols_i^T
                torch.index_select(x[start : start + chunk], 1, index, out=part)
                grad_w_t.addmm_(part.view(-1, k * c_in).t(), g.reshape(-1, c_out))
            if need_x:  # dL/dcols = g W, then every column goes back to the pixel it came from
                torch.mm(g.reshape(-1, c_out), weight, out=part.view(-1, k * c_in))
                grad_x[start : start + chunk].index_add_(1, index, part)
        grad_b = grad.sum(dim=(0, 1)) if ctx.has_bias and ctx.needs_input_grad[2] else None
        grad_w = grad_w_t.t() if need_w else None
        return grad_x, grad_w, grad_b, None, None


def neighbour_table_conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    table: Tensor,
    has_ghost: bool = True,
    *,
    workspace_bytes: int = WORKSPACE_BYTES,
) -> Tensor:
    r"""The fast path of :class:`GridConv`: the same sum over messages, all taps in one matmul.

    Output pixel :math:`i` reads input :math:`t_{ik}` at tap :math:`k` (``table[i, k]``), so
    :math:`\mathbf{x}'_i = \sum_k \mathbf{W}_k \mathbf{x}_{t_{ik}} = [\mathbf{W}_0 \cdots
    \mathbf{W}_{K-1}]\, [\mathbf{x}_{t_{i0}}; \dots; \mathbf{x}_{t_{i,K-1}}]`: gather each output
    pixel's sources side by side (``cols = x[:, table]``, ``[B H' W', K C_in]``), then one product
    with ``[C_out, K C_in]``. No weight is ever copied per edge.

    ``cols`` is ``K`` times the input. To keep memory like ``Conv2d``'s, the batch is processed in
    chunks of images whose ``cols`` fit ``workspace_bytes``, reusing one buffer, and the backward
    gathers ``cols`` again rather than storing it. (Gradients are first-order only; use
    ``GridConv(path="message")`` for double backward.)

    Args:
        x (Tensor): Input node features ``[B, N_in, C_in]``.
        weight (Tensor): ``Conv2d``-shaped weight ``[C_out, C_in, kh, kw]``.
        bias (Tensor, optional): ``[C_out]``.
        table (Tensor): :meth:`GridGraph.neighbour_table` ``[N_out, K]``, where ``N_in`` marks a
            tap in the padding.
        has_ghost (bool, optional): Whether ``table`` uses ``N_in`` at all; if not, the zero row
            is not appended. (default: :obj:`True`)
        workspace_bytes (int, optional): Size of the gathered columns of one chunk.
            (default: 16 MiB)

    Shapes:
        - **input:** :math:`(B, N_{in}, C_{in})`
        - **output:** :math:`(B, N_{out}, C_{out})`
    """
    b, _, c_in = x.shape
    k = table.size(1)
    # Step 1: a ghost node of zeros answers the taps that fall in the padding
    if has_ghost:
        x = torch.cat([x, x.new_zeros(b, 1, c_in)], dim=1)  # [B, N_in + 1, C_in]
    # Step 2: W_k for each tap side by side, [C_out, K * C_in] (tap-major, then channel), the
    # layout of a row of cols
    w = weight.permute(0, 2, 3, 1).reshape(weight.size(0), k * c_in)
    # Step 3: gather each output pixel's sources, apply all W_k and sum in one product, add the
    # bias once per output pixel
    return _TableConv.apply(x.contiguous(), w, bias, table, workspace_bytes)  # [B, N_out, C_out]


class GridConv(MessagePassing):
    r"""``torch.nn.Conv2d`` as message passing on the grid graph of the image.

    .. math::
        \mathbf{x}'_i = \sum_{j \in \mathcal{N}(i)} \mathbf{W}_{k(j,i)}\, \mathbf{x}_j
                        + \mathbf{b}

    where :math:`\mathcal{N}(i)` are the input pixels in output pixel :math:`i`'s receptive field
    and :math:`k(j,i)` is the kernel tap that edge :math:`j \to i` stands for
    (:func:`~gcnlab.grid_graph`). Taps in the zero padding have no edge. The parameters are
    ``Conv2d``'s (``weight`` ``[out, in, kh, kw]``, ``bias`` ``[out]``, same initialization), so
    ``load_state_dict`` works both ways and the outputs and gradients are ``Conv2d``'s.

    Two ways to compute it, same numbers:

    * ``path="table"`` (default, fast): :func:`neighbour_table_conv`, a gather through the
      neighbour table and one matmul (per chunk of images); first-order gradients.
    * ``path="message"`` (reference): PyG's ``propagate`` once per tap :math:`k` over the edges
      of that tap, with a one-line :meth:`message` :math:`\mathbf{W}_k \mathbf{x}_j`.

    Args:
        in_channels (int): Input channels :math:`C_{in}`.
        out_channels (int): Output channels :math:`C_{out}`.
        kernel_size (int or (int, int)): Kernel size; any, odd, even or rectangular.
        stride (int or (int, int), optional): Stride. (default: :obj:`1`)
        padding (int or (int, int), optional): Zero padding on each side. (default: :obj:`0`)
        dilation (int or (int, int), optional): Spacing between taps. (default: :obj:`1`)
        bias (bool, optional): Learn an additive bias. (default: :obj:`True`)
        path (str, optional): ``"table"`` or ``"message"``, see above. (default: ``"table"``)

    Shapes:
        - **input:** images :math:`(B, C_{in}, H, W)`; or node features :math:`(N_{in},
          C_{in})` or :math:`(B, N_{in}, C_{in})` (row-major pixels) with a
          :class:`~gcnlab.GridGraph` of matching hyper-parameters
        - **output:** images :math:`(B, C_{out}, H', W')` (``channels_last`` memory, like the
          ``Conv2d`` formula for :math:`H', W'`); or node features :math:`(N_{out}, C_{out})` /
          :math:`(B, N_{out}, C_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        bias: bool = True,
        *,
        path: str = "table",
    ) -> None:
        # Messages of all taps are summed; node_dim=-2 lets features carry a batch dimension
        super().__init__(aggr="add", node_dim=-2)
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"in_channels and out_channels must be positive, got {in_channels}, {out_channels}"
            )
        if path not in PATHS:
            raise ValueError(f"path must be one of {', '.join(PATHS)}, got {path!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.dilation = pair(dilation, "dilation", 1)
        self.path = path
        self.weight = torch.nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        if bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        # (H, W, device) -> (graph, neighbour table, has ghost); plain attribute, not state
        self._graphs: dict[tuple[int, int, torch.device], tuple[GridGraph, Tensor, bool]] = {}
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        # Conv2d's initialization, so a GridConv network starts where the Conv2d one does
        torch.nn.init.kaiming_uniform_(self.weight, a=5**0.5)
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / fan_in**0.5
            torch.nn.init.uniform_(self.bias, -bound, bound)

    def graph(self, height: int, width: int, device: torch.device | str | None = None) -> GridGraph:
        """This layer's :func:`~gcnlab.grid_graph` for a ``height × width`` image (cached)."""
        return self._cached(height, width, torch.device(device or "cpu"))[0]

    def forward(self, x: Tensor, graph: GridGraph | None = None) -> Tensor:
        # x: [B, C_in, H, W], or [N_in, C_in] / [B, N_in, C_in] with graph
        if x.dim() == 4:
            _, _, height, width = x.shape
            if graph is not None:
                self._check_graph(graph, (height, width))
            graph, table, has_ghost = self._cached(height, width, x.device)
            nodes = images_to_nodes(x)  # [B, H W, C_in]
        elif x.dim() in (2, 3) and graph is not None:
            self._check_graph(graph, None)
            if x.size(-2) != graph.num_in_nodes:
                raise ValueError(
                    f"x has {x.size(-2)} nodes but the grid graph has "
                    f"{graph.num_in_nodes} input pixels"
                )
            nodes = x if x.dim() == 3 else x.unsqueeze(0)
            table = graph.neighbour_table().to(x.device) if self.path == "table" else None
            has_ghost = True
        else:
            raise ValueError(
                f"GridConv takes images [B, C, H, W] or node features with a grid "
                f"graph, got shape {tuple(x.shape)} and graph={graph is not None}"
            )
        if nodes.size(-1) != self.in_channels:
            raise ValueError(f"expected {self.in_channels} input channels, got {nodes.size(-1)}")

        if self.path == "table":
            out = neighbour_table_conv(nodes, self.weight, self.bias, table, has_ghost)
        else:
            out = self.forward_message(nodes, graph.to(x.device))  # [B, N_out, C_out]

        if x.dim() == 4:
            return nodes_to_images(out, *graph.out_shape)  # [B, C_out, H', W']
        return out if x.dim() == 3 else out.squeeze(0)

    def forward_message(self, x: Tensor, graph: GridGraph) -> Tensor:
        """The reference path: one ``propagate`` per kernel tap. ``x``: ``[B, N_in, C_in]`` →
        ``[B, N_out, C_out]``."""
        kw = self.kernel_size[1]
        out = x.new_zeros(x.size(0), graph.num_out_nodes, self.out_channels)
        for k in range(graph.num_offsets):
            # Step 1: the edges that stand for tap k = (a, b) of the kernel, and its W_k
            edge_index = graph.edge_index[:, graph.offset == k]  # [2, E_k]
            weight = self.weight[:, :, k // kw, k % kw]  # [C_out, C_in]
            # Step 2: messages W_k x_j along them, summed per output pixel (aggr="add")
            out = out + self.propagate(edge_index, x=(x, None), weight=weight, size=graph.size)
        # Step 3: the bias once per output pixel, not once per tap
        return out if self.bias is None else out + self.bias

    def message(self, x_j: Tensor, weight: Tensor) -> Tensor:
        # x_j: [B, E_k, C_in], weight: [C_out, C_in]
        return x_j @ weight.t()

    def _cached(
        self, height: int, width: int, device: torch.device
    ) -> tuple[GridGraph, Tensor, bool]:
        key = (height, width, device)
        if key not in self._graphs:
            graph = grid_graph(
                height,
                width,
                self.kernel_size,
                self.stride,
                self.padding,
                self.dilation,
                device=device,
            )
            table = graph.neighbour_table()
            has_ghost = graph.num_edges < table.numel()
            self._graphs[key] = (graph, table, has_ghost)
        return self._graphs[key]

    def _check_graph(self, graph: GridGraph, in_shape: tuple[int, int] | None) -> None:
        mine = (self.kernel_size, self.stride, self.padding, self.dilation)
        theirs = (graph.kernel_size, graph.stride, graph.padding, graph.dilation)
        if mine != theirs:
            raise ValueError(
                f"the grid graph's (kernel_size, stride, padding, dilation) {theirs} "
                f"differ from the layer's {mine}"
            )
        if in_shape is not None and graph.in_shape != in_shape:
            raise ValueError(f"the grid graph is for {graph.in_shape} images, got {in_shape}")

    def __repr__(self) -> str:
        extra = "" if self.bias is not None else ", bias=False"
        return (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}{extra})"
        )
