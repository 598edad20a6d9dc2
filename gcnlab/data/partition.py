"""Graph partitions for Cluster-GCN mini-batches and locality-friendly node orders.

METIS (through the optional ``pymetis`` package, ``pip install gcnlab[metis]``) cuts a graph into
``parts`` pieces of about equal size with few edges between them; when the package is missing,
:func:`metis_parts` says how to get it. The graph handed to METIS is the undirected simple graph
of ``edge_index`` (both directions, no self-loops, no repeats), built in ``O(E)`` with scipy.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from gcnlab.data.npz import array_headers
from gcnlab.errors import DataError, InputError, UsageError
from gcnlab.utils.files import atomic_write_bytes

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


def edges_digest(edge_index: Tensor) -> str:
    """SHA-256 of the edge list ``[2, E]`` as int64: which graph a partition file belongs to."""
    array = np.ascontiguousarray(edge_index.cpu().numpy().astype(np.int64, copy=False))
    return hashlib.sha256(array.tobytes()).hexdigest()


def read_parts(
    path: str | os.PathLike[str], edge_index: Tensor, num_nodes: int, parts: int, seed: int
) -> Tensor:
    """The partition stored in ``path`` by :func:`stored_metis_parts`, after checking that it
    was made for this graph (digest of ``edge_index``), this ``parts`` and ``seed``, and that it
    is a valid part per node. The file is untrusted: read without pickles, every check a
    :class:`DataError` naming the file."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a partition file; give a file path")
    try:
        headers = array_headers(path)  # shapes and dtypes, before anything is inflated
    except InputError as exc:
        # (numpy's own message for a non-npz file suggests unpickling it: never)
        raise DataError(
            f"{exc}; not a gcnlab partition file (an .npz that --partition-file wrote): "
            "delete it or give another path"
        ) from None
    for key, (shape, kind, what) in {
        "parts": ((), "iu", "one integer"),
        "seed": ((), "iu", "one integer"),
        "edges_sha256": ((), "U", "one string"),
        "part": ((num_nodes,), "iu", f"{num_nodes} integers"),
    }.items():
        if key not in headers:
            raise DataError(
                f"{path}: no {key!r} array; not a gcnlab partition file (an .npz that "
                "--partition-file wrote): delete it or give another path"
            )
        found, dtype = headers[key]
        if found != shape or dtype.kind not in kind:
            raise DataError(
                f"{path}: {key} must be {what}, got {dtype} of shape {list(found)}; not a "
                "gcnlab partition file as --partition-file writes it: delete it or give "
                "another path"
            )
    with np.load(path, allow_pickle=False) as arrays:
        stored = {k: arrays[k] for k in ("part", "parts", "seed", "edges_sha256")}
    made_for = (int(stored["parts"]), int(stored["seed"]), str(stored["edges_sha256"]))
    if made_for != (parts, seed, edges_digest(edge_index)):
        raise DataError(
            f"{path} holds a partition of another graph or another --parts/seed (made for "
            f"{made_for[0]} parts, seed {made_for[1]}): delete it or give another file"
        )
    part = stored["part"]
    outside = (part < 0) | (part >= parts)
    if outside.any():
        node = int(np.flatnonzero(outside)[0])
        raise DataError(
            f"{path}: part {int(part[node])} at node {node}; expected one part in "
            f"[0, {parts}) for each of {num_nodes} nodes: delete the file or give another path"
        )
    return torch.from_numpy(part.astype(np.int64))


def stored_metis_parts(
    edge_index: Tensor,
    num_nodes: int,
    parts: int,
    path: str | None,
    *,
    seed: int = 0,
    write: bool = True,
) -> Tensor:
    """:func:`metis_parts`, kept in the file ``path`` (``.npz``) when one is given: read back
    when it exists (checked by :func:`read_parts`), else computed and written (atomically; only
    where ``write``, e.g. on rank 0 of a distributed job). METIS on a large graph takes minutes
    and more memory than training on its batches: partition once, train many times (as PyG's
    ``ClusterData(save_dir=...)``)."""
    if path is not None and Path(path).exists():
        return read_parts(path, edge_index, num_nodes, parts, seed)
    part = metis_parts(edge_index, num_nodes, parts, seed=seed)
    if path is not None and write:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            part=part.numpy(),
            parts=np.int64(parts),
            seed=np.int64(seed),
            edges_sha256=np.str_(edges_digest(edge_index)),
        )
        atomic_write_bytes(path, buffer.getvalue())
    return part


def part_order(part: Tensor) -> tuple[Tensor, Tensor]:
    """Nodes grouped by part: ``(order [N], starts [parts + 1])``; part ``p`` is
    ``order[starts[p]:starts[p + 1]]`` (ascending ids inside a part)."""
    parts = int(part.max()) + 1 if part.numel() else 0
    order = torch.argsort(part, stable=True)
    counts = torch.bincount(part, minlength=parts)
    return order, torch.cat([counts.new_zeros(1), counts.cumsum(0)])
