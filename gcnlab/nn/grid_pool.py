r"""Pooling as graph coarsening: cluster the pixels, reduce each cluster to one node.

Output pixel :math:`i` of a ``k × k`` pooling with stride :math:`s` is the cluster of input
pixels in its window, the same edges :func:`~gcnlab.grid_graph` gives a convolution without
padding. With :math:`s = k` (the default) the clusters partition the pixels, the coarsening
PyG's ``max_pool_x`` / ``avg_pool_x`` do on a cluster assignment; with :math:`s < k` they overlap.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing

from gcnlab.nn.grid import GridGraph, grid_graph, pair
from gcnlab.nn.grid_conv import images_to_nodes, nodes_to_images

MODES = ("max", "mean")
PATHS = ("table", "message")


def neighbour_table_pool(x: Tensor, table: Tensor, mode: str) -> Tensor:
    """The fast path of :class:`GridPool`: gather each cluster's members side by side, reduce.

    ``x``: ``[B, N_in, C]``, ``table``: ``[N_out, K]`` (:meth:`GridGraph.neighbour_table`, no
    padding) → ``[B, N_out, C]``. For ``max`` the gradient goes to the first maximal member in
    window order, as ``MaxPool2d``'s does.
    """
    b, _, c = x.shape
    n_out, k = table.shape
    members = x.index_select(1, table.reshape(-1)).view(b, n_out, k, c)  # [B, N_out, K, C]
    return members.max(dim=2).values if mode == "max" else members.mean(dim=2)


class GridPool(MessagePassing):
    r"""``MaxPool2d`` / ``AvgPool2d`` (no padding) as a reduction over pixel clusters.

    .. math::
        \mathbf{x}'_i = \operatorname{reduce}_{j \in \mathcal{C}(i)} \mathbf{x}_j,
        \qquad \operatorname{reduce} \in \{\max, \operatorname{mean}\}

    where the cluster :math:`\mathcal{C}(i)` is the window of output pixel :math:`i`.

    Args:
        kernel_size (int or (int, int)): Window size.
        stride (int or (int, int), optional): Step between windows; ``None`` means
            ``kernel_size`` (non-overlapping clusters). (default: :obj:`None`)
        mode (str, optional): ``"max"`` or ``"mean"``. (default: ``"max"``)
        path (str, optional): ``"table"`` (fast: gather and reduce) or ``"message"`` (PyG's
            ``propagate`` with ``aggr=mode``). (default: ``"table"``)

    Shapes:
        - **input:** images :math:`(B, C, H, W)`; or node features :math:`(N_{in}, C)` /
          :math:`(B, N_{in}, C)` with a :class:`~gcnlab.GridGraph` of the same
          window and stride
        - **output:** images :math:`(B, C, H', W')`; or node features :math:`(N_{out}, C)` /
          :math:`(B, N_{out}, C)`
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        mode: str = "max",
        *,
        path: str = "table",
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if path not in PATHS:
            raise ValueError(f"path must be one of {', '.join(PATHS)}, got {path!r}")
        super().__init__(aggr=mode, node_dim=-2)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.mode = mode
        self.path = path
        self._graphs: dict[tuple[int, int, torch.device], tuple[GridGraph, Tensor]] = {}

    def graph(self, height: int, width: int, device: torch.device | str | None = None) -> GridGraph:
        """The clusters of a ``height × width`` image as a grid graph (cached)."""
        return self._cached(height, width, torch.device(device or "cpu"))[0]

    def forward(self, x: Tensor, graph: GridGraph | None = None) -> Tensor:
        # x: [B, C, H, W], or [N_in, C] / [B, N_in, C] with graph
        if x.dim() == 4:
            graph, table = self._cached(x.size(2), x.size(3), x.device)
            nodes = images_to_nodes(x)  # [B, H W, C]
        elif x.dim() in (2, 3) and graph is not None:
            if (
                (graph.kernel_size, graph.stride) != (self.kernel_size, self.stride)
                or any(graph.padding)
                or graph.dilation != (1, 1)
            ):
                raise ValueError(f"the grid graph ({graph}) is not this pooling's clustering")
            if x.size(-2) != graph.num_in_nodes:
                raise ValueError(
                    f"x has {x.size(-2)} nodes but the grid graph has "
                    f"{graph.num_in_nodes} input pixels"
                )
            nodes = x if x.dim() == 3 else x.unsqueeze(0)
            table = graph.neighbour_table().to(x.device)
        else:
            raise ValueError(
                f"GridPool takes images [B, C, H, W] or node features with a grid "
                f"graph, got shape {tuple(x.shape)} and graph={graph is not None}"
            )

        if self.path == "table":
            out = neighbour_table_pool(nodes, table, self.mode)  # [B, N_out, C]
        else:
            # every pixel sends itself to its cluster; aggr="max"/"mean" reduces each cluster
            out = self.propagate(graph.to(x.device).edge_index, x=(nodes, None), size=graph.size)

        if x.dim() == 4:
            return nodes_to_images(out, *graph.out_shape)  # [B, C, H', W']
        return out if x.dim() == 3 else out.squeeze(0)

    def message(self, x_j: Tensor) -> Tensor:
        return x_j

    def _cached(self, height: int, width: int, device: torch.device) -> tuple[GridGraph, Tensor]:
        key = (height, width, device)
        if key not in self._graphs:
            graph = grid_graph(height, width, self.kernel_size, self.stride, device=device)
            self._graphs[key] = (graph, graph.neighbour_table())
        return self._graphs[key]

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"mode={self.mode!r})"
        )
