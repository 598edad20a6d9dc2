r"""What a GCN gives up on an image: a GCN layer on the pixel grid is a *fixed* isotropic blur
followed by one weight matrix shared by all directions.

On the pixel graph (each pixel joined to its 8, or 4, neighbours) every interior pixel has
:math:`n` neighbours, so with the self-loop its degree is :math:`\hat d = n + 1` (:math:`n + 2`
with ``improved=True``) and every coefficient :math:`1/\sqrt{\hat d_i \hat d_j}` is the same
:math:`1/\hat d`. So, away from the border,

.. math::
    \mathbf{x}'_i = \mathbf{W} \sum_{j \in \mathcal{N}(i) \cup \{i\}}
                    \tfrac{1}{\hat d}\, \mathbf{x}_j + \mathbf{b}
    \quad\Longleftrightarrow\quad
    \mathbf{W}_k = g_k \mathbf{W} \text{ for every tap } k,

a convolution whose per-tap weights :math:`\mathbf{W}_k` are all the *same* matrix scaled by a
fixed filter :math:`g` (a 3×3 box blur :math:`1/9` for 8 neighbours, a plus-shaped :math:`1/5`
for 4). A CNN learns each :math:`\mathbf{W}_k` freely: edges, orientations, sharpening; a GCN can
only blur, then mix channels.

**The border.** A pixel on the border has fewer neighbours (8-connectivity: 5 at an edge, 3 at a
corner), so its degree is smaller and its coefficients larger: the GCN renormalizes over the
pixels that exist, whereas a zero-padded convolution keeps :math:`1/\hat d` and reads zeros
(darkening the border). Pixels one step inside are affected too, because their border neighbours
have the smaller degree. The equivalence is exact only at pixels at least two steps from every
edge (:func:`interior_mask`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.grid import grid_graph
from gcnlab.nn.grid_conv import GridConv

# Taps of a 3x3 kernel (a * 3 + b) that are neighbours: all but the centre, or the plus shape
NEIGHBOUR_TAPS = {8: (0, 1, 2, 3, 5, 6, 7, 8), 4: (1, 3, 5, 7)}


def _check(connectivity: int) -> tuple[int, ...]:
    if connectivity not in NEIGHBOUR_TAPS:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return NEIGHBOUR_TAPS[connectivity]


def pixel_graph(
    height: int, width: int, connectivity: int = 8, *, device: torch.device | str | None = None
) -> Tensor:
    """The undirected pixel graph ``[2, E]`` (both directions, no self-loops, row-major ids):
    the 3×3, padding-1 :func:`~gcnlab.grid_graph` without its centre tap (and without the
    diagonal taps for ``connectivity=4``)."""
    taps = torch.tensor(_check(connectivity), device=device)
    graph = grid_graph(height, width, 3, padding=1, device=device)
    return graph.edge_index[:, torch.isin(graph.offset, taps)]


def gcn_filter(connectivity: int = 8, improved: bool = False) -> Tensor:
    """The fixed 3×3 filter :math:`g` a GCN applies at interior pixels: ``1/d`` on each
    neighbour and ``loop/d`` on the pixel itself, ``d = neighbours + loop``, ``loop`` = 1
    (2 if ``improved``)."""
    taps = _check(connectivity)
    loop = 2.0 if improved else 1.0
    g = torch.zeros(9)
    g[list(taps)] = 1.0
    g[4] = loop
    return (g / (len(taps) + loop)).view(3, 3)


def gcn_as_grid_conv(gcn: torch.nn.Module, connectivity: int = 8) -> GridConv:
    """The convolution a GCN layer is at interior pixels: ``W_k = g_k W`` and the GCN's bias.

    ``gcn`` is a :class:`gcnlab.GCNConv` or ``torch_geometric.nn.GCNConv`` (both have
    ``lin.weight`` ``[out, in]``) with the default normalization and self-loops.
    """
    if not (gcn.normalize and gcn.add_self_loops):
        raise ValueError("the GCN must normalize and add self-loops to be a fixed blur")
    weight = gcn.lin.weight.detach()  # [C_out, C_in]
    out_channels, in_channels = weight.shape
    conv = GridConv(in_channels, out_channels, 3, padding=1, bias=gcn.bias is not None)
    g = gcn_filter(connectivity, gcn.improved).to(weight)
    with torch.no_grad():
        conv.weight.copy_(weight[:, :, None, None] * g)  # [C_out, C_in, 3, 3]
        if gcn.bias is not None:
            conv.bias.copy_(gcn.bias)
    return conv.to(weight.device)


def gcn_on_image(gcn: torch.nn.Module, images: Tensor, connectivity: int = 8) -> Tensor:
    """Run a GCN layer on each image's pixel graph: ``[B, C, H, W]`` → ``[B, C', H, W]``."""
    b, c, h, w = images.shape
    edge_index = pixel_graph(h, w, connectivity, device=images.device)
    nodes = images.permute(0, 2, 3, 1).reshape(b, h * w, c)  # [B, H W, C]
    out = torch.stack([gcn(x, edge_index) for x in nodes])  # [B, H W, C']
    return out.view(b, h, w, -1).permute(0, 3, 1, 2)


def interior_mask(height: int, width: int, margin: int = 2) -> Tensor:
    """``[H, W]`` bool: pixels at least ``margin`` steps from every edge, where a GCN on the
    pixel graph equals :func:`gcn_as_grid_conv` exactly (see the module docstring)."""
    mask = torch.zeros(height, width, dtype=torch.bool)
    mask[margin : height - margin, margin : width - margin] = True
    return mask
