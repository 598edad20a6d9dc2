r"""What identifies the graph a cached operator was built from, so a layer that caches its
normalized adjacency (``cached=True``) reuses it only for that graph and builds it anew for any
other (a second graph of another size or of the same size, or the same tensors edited in place).

An operator that also depends on the node features (SGC's precomputed :math:`\hat{A}^K X`) adds
them to the key (``features``). The adjacency and the features may be tensors or
:class:`~gcnlab.SparseMatrix` objects (a :class:`~gcnlab.NormalizedAdjacency`; its values' version
counter stands for the matrix's).

The key holds the ``edge_index`` and ``edge_weight`` tensors by weak reference (the cache never
keeps a graph alive) and compares them by identity (a freed tensor's address reused by another
never matches; ``==`` on tensors would compare elements), with their in-place version counters,
the node count, the device and the dtype. Checking it costs O(1) per call; a change of graph
costs one normalization.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
from torch import Tensor

# a Tensor or a gcnlab SparseMatrix (typed loosely: nn/sparse.py need not be imported here)
Operand = Tensor | Any


def _version(tensor: Operand | None) -> int:
    if tensor is None:
        return -1
    return tensor._version if isinstance(tensor, Tensor) else tensor.values._version


def _ref(tensor: Operand | None) -> weakref.ref | None:
    return None if tensor is None else weakref.ref(tensor)


class GraphKey:
    """The graph ``(edge_index, edge_weight)`` on ``num_nodes`` nodes, its operator in
    ``dtype`` on ``device`` (default: ``edge_index``'s), and the ``features`` it was applied to
    when the cached result depends on them."""

    def __init__(
        self,
        edge_index: Operand,
        edge_weight: Tensor | None,
        num_nodes: int,
        dtype: torch.dtype,
        device: torch.device | None = None,
        features: Operand | None = None,
    ) -> None:
        self._index = weakref.ref(edge_index)
        self._weight = _ref(edge_weight)
        self._features = _ref(features)
        if device is None:
            device = edge_index.device if isinstance(edge_index, Tensor) else edge_index.mat.device
        self._fields = (
            _version(edge_index),
            _version(edge_weight),
            _version(features),
            num_nodes,
            device,  # where the operator lives
            dtype,
        )

    def matches(self, other: GraphKey) -> bool:
        """Whether ``other`` names the same live tensors, unchanged, with the same fields."""
        index = self._index()
        if index is None or index is not other._index():
            return False
        for mine, theirs in ((self._weight, other._weight), (self._features, other._features)):
            if (mine is None) != (theirs is None):
                return False
            if mine is not None and (mine() is None or mine() is not theirs()):  # type: ignore[misc]
                return False
        return self._fields == other._fields
