"""Random graphs and comparison helpers for the GCN family's tests (SGConv, APPNP, GCN2Conv)
against PyG's layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import torch
from torch import Tensor

T = TypeVar("T")
TOL = dict(atol=1e-5, rtol=1e-5)


def pick(g: torch.Generator, options: Sequence[T]) -> T:
    return options[int(torch.randint(len(options), (1,), generator=g))]


def random_graph(
    g: torch.Generator, weighted: bool, loops: bool
) -> tuple[Tensor, Tensor | None, int]:
    """A directed multigraph on 1-40 nodes with 0-4N edges (duplicates and isolated nodes
    happen); with ``loops`` some nodes carry a self-loop already, without none do."""
    n = int(torch.randint(1, 41, (1,), generator=g))
    num_edges = int(torch.randint(4 * n + 1, (1,), generator=g))
    edge_index = torch.randint(n, (2, num_edges), generator=g)
    edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    if loops:
        nodes = torch.randperm(n, generator=g)[: max(1, n // 3)]
        edge_index = torch.cat([edge_index, nodes.expand(2, -1)], dim=1)
    weight = torch.rand(edge_index.size(1), generator=g) + 0.1 if weighted else None
    return edge_index, weight, n


def assert_grads_close(ours: Sequence[Tensor | None], theirs: Sequence[Tensor | None]) -> None:
    for a, b in zip(ours, theirs, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            torch.testing.assert_close(a, b, **TOL)
