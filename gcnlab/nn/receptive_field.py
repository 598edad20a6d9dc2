r"""Receptive fields on the grid and on graphs: theoretical, effective, and influence per hop.

**Grid.** A stack of :math:`L` 3×3 convolutions (stride 1) lets an output pixel see a
:math:`(2L+1) \times (2L+1)` square of the input: its *theoretical* receptive field. How much
each of those pixels actually matters is the *effective* receptive field (Luo et al., "Understanding
the Effective Receptive Field in Deep Convolutional Neural Networks", NIPS 2016): back-propagate a
gradient of 1 from the centre output pixel (all channels) and read the magnitude of the gradient
at each input pixel. With all-ones kernels and no nonlinearity that gradient is exactly the number
of paths from each input pixel to the centre, the coefficients of :math:`(1 + x + x^2)^L` in each
direction: non-zero on the whole :math:`(2L+1)^2` square and concentrated in its middle, close to
a Gaussian whose width grows like :math:`\sqrt{L}`, not :math:`L`.

**Graph.** An :math:`L`-layer GCN sees a node's :math:`L`-hop neighbourhood
(:func:`neighbourhood_sizes`); the influence of node :math:`y` on node :math:`x`'s output
(Xu et al., "Representation Learning on Graphs with Jumping Knowledge Networks", ICML 2018) is
measured the same way, :math:`I(x, y) = \sum_f \lvert \partial (\sum_j h_{x,j}) / \partial
X_{y,f} \rvert`, and summed per hop distance (:func:`influence_by_hop`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from gcnlab.nn.gcn_on_grid import gcn_filter
from gcnlab.nn.grid_conv import GridConv
from gcnlab.nn.sparse import SparseMatrix, spmm


def theoretical_size(num_layers: int, kernel_size: int = 3, dilation: int = 1) -> int:
    """Side of the theoretical receptive field of ``num_layers`` stride-1 convolutions."""
    return (kernel_size - 1) * dilation * num_layers + 1


def effective_receptive_field(model: torch.nn.Module, x: Tensor) -> Tensor:
    """``[H, W]``: the magnitude of the gradient at each input pixel of a unit gradient at the
    centre output pixel (all output channels), summed over the batch and input channels.

    Args:
        model (torch.nn.Module): maps images ``[B, C, H, W]`` to ``[B, C', H', W']``.
        x (Tensor): the inputs ``[B, C, H, W]`` the gradient is taken at (it depends on them
            when the model has nonlinearities).
    """
    x = x.detach().clone().requires_grad_(True)
    out = model(x)  # [B, C', H', W']
    # Step 1: a gradient of 1 at the centre output pixel of every image and channel
    grad = torch.zeros_like(out)
    grad[:, :, out.size(2) // 2, out.size(3) // 2] = 1.0
    # Step 2: back to the input; its magnitude per pixel is the effective receptive field
    (input_grad,) = torch.autograd.grad(out, x, grad)
    return input_grad.abs().sum(dim=(0, 1))  # [H, W]


def conv_stack(
    num_layers: int,
    channels: int = 1,
    *,
    weights: str = "random",
    relu: bool = False,
    generator: torch.Generator | None = None,
) -> torch.nn.Sequential:
    """``num_layers`` :class:`~gcnlab.GridConv` 3×3 layers (padding 1, no bias), ``channels``
    wide (the first reads one channel), with a ReLU between layers if ``relu``.

    ``weights``: ``"ones"`` (every tap 1: the ERF counts paths), ``"random"`` (Conv2d's
    initialization, drawn from ``generator``) or ``"gcn"`` (the fixed 3×3 blur a GCN layer is on
    the 8-connected pixel graph, :func:`~gcnlab.nn.gcn_on_grid.gcn_filter`, one channel).
    """
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1, got {num_layers}")
    if weights not in ("ones", "random", "gcn"):
        raise ValueError(f"weights must be ones, random or gcn, got {weights!r}")
    if weights == "gcn":
        channels = 1
    layers: list[torch.nn.Module] = []
    for i in range(num_layers):
        conv = GridConv(1 if i == 0 else channels, channels, 3, padding=1, bias=False)
        with torch.no_grad():
            if weights == "ones":
                conv.weight.fill_(1.0)
            elif weights == "gcn":
                conv.weight.copy_(gcn_filter(8).view(1, 1, 3, 3))
            else:
                bound = 1.0 / (conv.weight[0].numel() ** 0.5)  # Conv2d's default init
                conv.weight.uniform_(-bound, bound, generator=generator)
        layers.append(conv)
        if relu and i < num_layers - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def mass_radius(erf: Tensor) -> float:
    """The spread of an ERF ``[H, W]``: the root mean square distance (pixels) of its mass from
    the centre pixel."""
    h, w = erf.shape
    rows = torch.arange(h, dtype=torch.double) - h // 2
    cols = torch.arange(w, dtype=torch.double) - w // 2
    d2 = rows[:, None] ** 2 + cols[None, :] ** 2
    weight = erf.double() / erf.double().sum()
    return float((weight * d2).sum().sqrt())


def square_mass(erf: Tensor, side: int) -> float:
    """The share of the ERF's mass inside the centred ``side × side`` square."""
    h, w = erf.shape
    r0, c0, half = h // 2, w // 2, side // 2
    inner = erf[max(r0 - half, 0) : r0 + half + 1, max(c0 - half, 0) : c0 + half + 1]
    return float(inner.double().sum() / erf.double().sum())


# ---- graphs ---------------------------------------------------------------------------------


def hop_distances(edge_index: Tensor, num_nodes: int, sources: Tensor, max_hops: int) -> Tensor:
    """Shortest-path hop distance ``[S, N]`` from each node of ``sources`` to every node
    (following edges ``source -> target``), ``-1`` beyond ``max_hops`` or unreachable."""
    # the transposed adjacency: row t holds the sources of edges into t
    edge_index = edge_index.cpu()
    ones = torch.ones(edge_index.size(1))
    adj_t = SparseMatrix.from_coo(edge_index[1], edge_index[0], ones, (num_nodes, num_nodes))
    dist = torch.full((num_nodes, sources.numel()), -1, dtype=torch.long)  # [N, S]
    frontier = torch.zeros(num_nodes, sources.numel())
    frontier[sources.cpu(), torch.arange(sources.numel())] = 1.0
    dist[frontier > 0] = 0
    for hop in range(1, max_hops + 1):
        # Step 1: every out-neighbour of the frontier, one sparse product
        reached = spmm(adj_t, frontier) > 0  # [N, S]
        # Step 2: the new frontier is what was reached for the first time
        new = reached & (dist < 0)
        if not new.any():
            break
        dist[new] = hop
        frontier = new.float()
    return dist.t().contiguous()  # [S, N]


def neighbourhood_sizes(
    edge_index: Tensor, num_nodes: int, max_hops: int, *, block: int = 512
) -> Tensor:
    """``[max_hops + 1, N]``: how many nodes are within ``L`` hops of each node (itself
    included), for ``L = 0 .. max_hops``; computed for ``block`` source nodes at a time."""
    sizes = torch.zeros(max_hops + 1, num_nodes, dtype=torch.long)
    for start in range(0, num_nodes, block):
        sources = torch.arange(start, min(start + block, num_nodes))
        dist = hop_distances(edge_index, num_nodes, sources, max_hops)  # [b, N]
        for hop in range(max_hops + 1):
            sizes[hop, sources] = ((dist >= 0) & (dist <= hop)).sum(1)
    return sizes


def influence_by_hop(
    forward: Callable[[Tensor], Tensor],
    x: Tensor,
    edge_index: Tensor,
    targets: Tensor,
    max_hops: int,
) -> Tensor:
    """``[T, max_hops + 2]``: for each target node, the share of its total influence
    :math:`\\sum_y I(x, y)` that comes from nodes at hop distance 0, 1, ..., ``max_hops``, and
    (last column) from farther or unreachable nodes.

    Args:
        forward: the model as a function of the dense node features ``[N, F]`` (the graph
            closed over), returning ``[N, C]``.
        x (Tensor): dense node features ``[N, F]``.
        edge_index (Tensor): the graph, for the hop distances.
        targets (Tensor): the nodes whose outputs are differentiated ``[T]``.
        max_hops (int): the last hop distance with its own column.
    """
    num_nodes = x.size(0)
    dist = hop_distances(edge_index, num_nodes, targets, max_hops)  # [T, N]
    dist = torch.where(dist < 0, max_hops + 1, dist)
    x = x.detach().clone().requires_grad_(True)
    out = forward(x)  # [N, C]
    shares = torch.zeros(targets.numel(), max_hops + 2, dtype=torch.double)
    for i, node in enumerate(targets.tolist()):
        # Step 1: I(x, y) for every y: the gradient of node x's summed output, in magnitude
        (grad,) = torch.autograd.grad(out[node].sum(), x, retain_graph=True)
        influence = grad.abs().sum(1).double().cpu()  # [N]
        # Step 2: summed per hop distance, as a share of the total
        per_hop = torch.zeros(max_hops + 2, dtype=torch.double).index_add_(0, dist[i], influence)
        total = per_hop.sum()
        shares[i] = per_hop / total if total > 0 else per_hop
    return shares
