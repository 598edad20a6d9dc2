"""What identifies the graph a cached operator was built from, so a layer that caches its
normalized adjacency (``cached=True``) reuses it only for that graph and builds it anew for any
other (a second graph of another size or of the same size, or the same tensors edited in place).

The key holds the ``edge_index`` and ``edge_weight`` tensors by weak reference (the cache never
keeps a graph alive) and compares them by identity (a freed tensor's address reused by another
never matches; ``==`` on tensors would compare elements), with their in-place version counters,
the node count, the device and the dtype. Checking it costs O(1) per call; a change of graph
costs one normalization.
"""

from __future__ import annotations

import weakref

import torch
from torch import Tensor


def _version(tensor: Tensor | None) -> int:
    return -1 if tensor is None else tensor._version


def _ref(tensor: Tensor | None) -> weakref.ref | None:
    return None if tensor is None else weakref.ref(tensor)


class GraphKey:
    """The graph ``(edge_index, edge_weight)`` on ``num_nodes`` nodes, its operator in
    ``dtype`` on ``device`` (default: ``edge_index``'s)."""

    def __init__(
        self,
        edge_index: Tensor,
        edge_weight: Tensor | None,
        num_nodes: int,
        dtype: torch.dtype,
        device: torch.device | None = None,
    ) -> None:
        self._index = weakref.ref(edge_index)
        self._weight = _ref(edge_weight)
        self._fields = (
            _version(edge_index),
            _version(edge_weight),
            num_nodes,
            edge_index.device if device is None else device,  # where the operator lives
            dtype,
        )

    def matches(self, other: GraphKey) -> bool:
        """Whether ``other`` names the same live tensors, unchanged, with the same fields."""
        index = self._index()
        if index is None or index is not other._index():
            return False
        if (self._weight is None) != (other._weight is None):
            return False
        if self._weight is not None and (
            self._weight() is None or self._weight() is not other._weight()  # type: ignore[misc]
        ):
            return False
        return self._fields == other._fields
