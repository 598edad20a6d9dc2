"""Node reordering for locality: relabel the nodes once so that neighbours get nearby ids.

A sparse-dense product ``Â H`` reads, for each node, the rows of ``H`` of its neighbours. When
neighbours have nearby ids those rows share cache lines and pages; when ids are random (as in
most stored graphs) every read is a cache miss. Reordering is a data transform: applied once to
the graph, features, labels and masks (:meth:`NodeOrder.apply`), and undone on every per-node
output (:meth:`NodeOrder.restore`), so results are in the user's node order.

Orders (:data:`ORDERS`):

- ``rcm``: reverse Cuthill-McKee (``scipy.sparse.csgraph``), which narrows the band of ``A``;
- ``metis``: nodes grouped by METIS part (``pymetis``, optional), so communities are contiguous;
- ``degree``: descending degree, which packs the rows read most often together.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from scipy.sparse.csgraph import reverse_cuthill_mckee
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.choices import ORDER_NAMES
from gcnlab.data.partition import metis_parts, part_order, symmetric_csr
from gcnlab.errors import UsageError


@dataclass(frozen=True)
class NodeOrder:
    """A relabelling of ``N`` nodes: new node ``i`` is old (user) node ``perm[i]``."""

    perm: Tensor  # [N] new id -> user id
    inverse: Tensor  # [N] user id -> new id

    @classmethod
    def from_perm(cls, perm: Tensor) -> NodeOrder:
        perm = perm.to(torch.long)
        inverse = torch.empty_like(perm)
        inverse[perm] = torch.arange(perm.numel(), device=perm.device)
        return cls(perm, inverse)

    def relabel(self, edge_index: Tensor) -> Tensor:
        """``edge_index`` ``[2, E]`` in the new ids."""
        return self.inverse.to(edge_index.device)[edge_index]

    def apply(self, data: Data) -> Data:
        """A copy of ``data`` in the new order: ``edge_index`` relabelled, every per-node
        attribute (features, labels, masks) permuted; graph-level attributes kept."""
        out = copy.copy(data)  # shares what is not per-node; per-node tensors are replaced
        n = data.num_nodes
        for key, value in data.items():
            if key == "edge_index":
                out.edge_index = self.relabel(value)
            elif isinstance(value, Tensor) and value.dim() >= 1 and value.size(0) == n:
                out[key] = value[self.perm.to(value.device)]
        return out

    def restore(self, values: Tensor) -> Tensor:
        """Per-node ``values`` ``[N, ...]`` computed in the new order, back in the user's."""
        return values[self.inverse.to(values.device)]


def rcm_perm(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Reverse Cuthill-McKee order ``[N]`` (new id -> old id) of the undirected graph."""
    adj = symmetric_csr(edge_index, num_nodes)
    return torch.from_numpy(reverse_cuthill_mckee(adj, symmetric_mode=True).astype("int64"))


def metis_perm(edge_index: Tensor, num_nodes: int, parts: int | None = None) -> Tensor:
    """Nodes grouped by METIS part ``[N]``; ``parts`` defaults to one per ~1000 nodes (a part's
    rows of a 64-wide float32 ``H`` then fit in a 256 KB L2 cache)."""
    if parts is None:
        parts = max(1, min(num_nodes, math.ceil(num_nodes / 1000)))
    order, _ = part_order(metis_parts(edge_index, num_nodes, parts))
    return order


def degree_perm(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Nodes by descending degree ``[N]`` (ties: ascending id)."""
    deg = torch.bincount(edge_index.reshape(-1).cpu(), minlength=num_nodes)
    return torch.argsort(-deg, stable=True)


ORDERS: dict[str, Callable[[Tensor, int], Tensor]] = {
    "rcm": rcm_perm,
    "metis": metis_perm,
    "degree": degree_perm,
}


def node_order(edge_index: Tensor, num_nodes: int, method: str) -> NodeOrder | None:
    """The :class:`NodeOrder` ``method`` computes (one of :data:`ORDERS`), or None for
    ``"none"``."""
    if method == "none":
        return None
    if method not in ORDERS:
        raise UsageError(f"reorder must be one of {', '.join(ORDER_NAMES)}, got {method!r}")
    return NodeOrder.from_perm(ORDERS[method](edge_index.cpu(), num_nodes))
