r"""Uniform random walks over a graph's CSR arrays, in plain torch (DeepWalk's sampler).

PyG's ``Node2Vec`` walks with ``torch-cluster`` or ``pyg-lib``, neither of which installs with
every torch build. A uniform walk needs neither: with the out-neighbours of node :math:`v` stored
contiguously (``col[rowptr[v]:rowptr[v + 1]]``), one step from :math:`v` is

.. math::
    v' = \mathrm{col}\big[\mathrm{rowptr}[v] + \lfloor u \cdot \deg(v) \rfloor\big],
    \qquad u \sim \mathcal{U}[0, 1),

so :math:`P(v' = w \mid v) = A_{vw} / \deg(v)`, for all walks at once: a batch of walks is one
gather per step. A node without out-edges ends its walk; the rest of the row is ``-1``.
"""

from __future__ import annotations

import torch
from torch import Tensor


def to_csr(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """``(rowptr [N + 1], col [E])``: the out-neighbours of node ``v`` are
    ``col[rowptr[v]:rowptr[v + 1]]`` (edges ``edge_index[0] -> edge_index[1]``; duplicates kept,
    so a doubled edge is walked twice as often)."""
    if edge_index.numel() and int(edge_index.max()) >= num_nodes:
        raise ValueError(f"edge_index refers to node {int(edge_index.max())} of {num_nodes}")
    row, col = edge_index
    order = torch.argsort(row * num_nodes + col)  # by source, then target: deterministic
    counts = torch.bincount(row, minlength=num_nodes)
    rowptr = torch.cat([counts.new_zeros(1), counts.cumsum(0)])
    return rowptr, col[order]


def random_walks(
    rowptr: Tensor,
    col: Tensor,
    start: Tensor,
    walk_length: int,
    *,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Uniform random walks ``[S, walk_length + 1]`` from each node of ``start`` ``[S]``.

    Column 0 is the start node; each step moves to an out-neighbour drawn uniformly (with
    multiplicity). A walk that reaches a node without out-edges stops there and is padded with
    ``-1``.

    Args:
        rowptr (Tensor): CSR row pointers ``[N + 1]`` (:func:`to_csr`).
        col (Tensor): CSR column indices ``[E]``.
        start (Tensor): start nodes ``[S]``.
        walk_length (int): steps per walk.
        generator (torch.Generator, optional): source of randomness (default: torch's global
            generator).
    """
    if walk_length < 0:
        raise ValueError(f"walk_length must be >= 0, got {walk_length}")
    num_walks = start.numel()
    walks = start.new_full((num_walks, walk_length + 1), -1)
    walks[:, 0] = start
    current = start.clone()
    alive = torch.ones(num_walks, dtype=torch.bool, device=start.device)
    last = max(col.numel() - 1, 0)
    for step in range(1, walk_length + 1):
        # Step 1: the current node's out-degree; a walk at a dead end stops for good
        first = rowptr[current]  # [S]
        degree = rowptr[current + 1] - first  # [S]
        alive &= degree > 0
        # Step 2: a uniform neighbour: offset floor(u * deg) in [0, deg), u drawn in float64 so
        # that u * deg never rounds up to deg
        u = torch.rand(num_walks, generator=generator, dtype=torch.float64, device=start.device)
        offset = torch.minimum((u * degree).long(), (degree - 1).clamp(min=0))
        nxt = col[(first + offset).clamp(max=last)] if col.numel() else current
        # Step 3: move the walks that are alive, mark the others
        current = torch.where(alive, nxt, current)
        walks[:, step] = torch.where(alive, current, -1)
    return walks


def context_pairs(walks: Tensor, window: int) -> Tensor:
    """Skip-gram's (centre, context) pairs ``[2, P]`` of walks ``[S, L]``: every two nodes of a
    walk at most ``window`` steps apart, in both orders (padding ``-1`` excluded)."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    pairs = []
    for gap in range(1, min(window, walks.size(1) - 1) + 1):
        a, b = walks[:, :-gap].reshape(-1), walks[:, gap:].reshape(-1)
        keep = (a >= 0) & (b >= 0)
        a, b = a[keep], b[keep]
        pairs += [torch.stack([a, b]), torch.stack([b, a])]
    if not pairs:
        return walks.new_empty(2, 0)
    return torch.cat(pairs, dim=1)
