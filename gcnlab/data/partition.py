"""Graph partitions for Cluster-GCN mini-batches and locality-friendly node orders.

METIS (through the optional ``pymetis`` package, ``pip install gcnlab[metis]``) cuts a graph into
``parts`` pieces of about equal size with few edges between them; when the package is missing,
:func:`metis_parts` says how to get it. The graph handed to METIS is the undirected simple graph
of ``edge_index`` (both directions, no self-loops, no repeats), built in ``O(E)`` with scipy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from gcnlab.errors import UsageError

METIS_HINT = "pip install 'gcnlab[metis]' (or: pip install pymetis)"


def symmetric_csr(edge_index: Tensor, num_nodes: int) -> sp.csr_matrix:
    """The undirected simple graph of ``edge_index`` as a scipy CSR pattern ``[N, N]`` (int32
    indices where they fit), without self-loops."""
    row, col = edge_index.cpu().numpy()
    keep = row != col
    row, col = row[keep], col[keep]
    ones = np.ones(2 * row.size, dtype=np.int8)
    adj = sp.coo_matrix(
        (ones, (np.concatenate([row, col]), np.concatenate([col, row]))),
        shape=(num_nodes, num_nodes),
    ).tocsr()
    adj.sum_duplicates()
    adj.data[:] = 1
    return adj


def _pymetis():  # noqa: ANN202 - the module, imported only when asked for
    try:
        import pymetis
    except ImportError as exc:
        raise UsageError(f"METIS partitions need the pymetis package: {METIS_HINT}") from exc
    return pymetis


def metis_parts(edge_index: Tensor, num_nodes: int, parts: int, *, seed: int = 0) -> Tensor:
    """The METIS part of every node ``[N]`` (int64, values in ``[0, parts)``).

    Deterministic for one graph, ``parts`` and ``seed``: every process of a distributed job that
    calls it gets the same partition without talking to the others.

    Args:
        edge_index (Tensor): ``[2, E]`` edges, either or both directions.
        num_nodes (int): number of nodes.
        parts (int): number of parts, between 1 and ``num_nodes``.
        seed (int, optional): METIS's random seed. (default: :obj:`0`)
    """
    if not 1 <= parts <= max(num_nodes, 1):
        raise UsageError(
            f"parts must be between 1 and the number of nodes ({num_nodes}), got {parts}"
        )
    if parts == 1:
        return torch.zeros(num_nodes, dtype=torch.long)
    pymetis = _pymetis()
    adj = symmetric_csr(edge_index, num_nodes)
    graph = pymetis.CSRAdjacency(
        adj_starts=adj.indptr.astype(np.int64), adjacent=adj.indices.astype(np.int64)
    )
    result = pymetis.part_graph(parts, graph, options=pymetis.Options(seed=seed))
    return torch.from_numpy(np.asarray(result.vertex_part, dtype=np.int64))


def part_order(part: Tensor) -> tuple[Tensor, Tensor]:
    """Nodes grouped by part: ``(order [N], starts [parts + 1])``; part ``p`` is
    ``order[starts[p]:starts[p + 1]]`` (ascending ids inside a part)."""
    parts = int(part.max()) + 1 if part.numel() else 0
    order = torch.argsort(part, stable=True)
    counts = torch.bincount(part, minlength=parts)
    return order, torch.cat([counts.new_zeros(1), counts.cumsum(0)])
