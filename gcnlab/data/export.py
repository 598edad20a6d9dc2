"""Writing a graph in the formats :func:`~gcnlab.data.graphs.load_graph` reads.

Each writer keeps everything the reader needs to rebuild the same ``Data``: node order, float32
feature values exactly (shortest round-trip text), labels, and the split masks (an ``.npz``'s
``*_mask`` arrays, the labels file's ``split`` column, GraphML's ``split`` attribute). The tests
export Cora this way and train on each file. Writes are atomic.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse
from torch_geometric.data import Data

from gcnlab.data.graph_parts import node_names
from gcnlab.utils.files import atomic_write_bytes

MASKS = ("train_mask", "val_mask", "test_mask")
SPLIT_NAMES = {"train_mask": "train", "val_mask": "val", "test_mask": "test"}


def write_npz(data: Data, path: str | os.PathLike[str], *, compressed: bool = False) -> Path:
    """``data`` in the GNN-benchmark ``.npz`` layout (:mod:`gcnlab.data.npz`)."""
    n = data.num_nodes
    row, col = data.edge_index.cpu().numpy()
    adj = scipy.sparse.csr_matrix((np.ones(row.size, dtype=np.float32), (row, col)), shape=(n, n))
    arrays: dict[str, np.ndarray] = {
        "adj_data": adj.data,
        "adj_indices": adj.indices,
        "adj_indptr": adj.indptr,
        "adj_shape": np.array(adj.shape),
    }
    if data.x is not None:
        attr = scipy.sparse.csr_matrix(data.x.cpu().numpy())
        arrays.update(
            attr_data=attr.data,
            attr_indices=attr.indices,
            attr_indptr=attr.indptr,
            attr_shape=np.array(attr.shape),
        )
    if data.get("y") is not None:
        arrays["labels"] = data.y.cpu().numpy()
    for key in MASKS:
        if data.get(key) is not None:
            arrays[key] = data[key].cpu().numpy()
    ids = getattr(data, "node_ids", None)
    if ids is not None:
        arrays["node_names"] = np.array(ids, dtype=str)
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def write_edge_list(
    data: Data,
    edges: str | os.PathLike[str],
    features: str | os.PathLike[str] | None = None,
    labels: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """``data`` as an edge list (each undirected edge once, unless ``data.directed``), and
    optionally a features file and a labels file with a split column (:mod:`~gcnlab.data.
    edge_list`). The delimiter follows each suffix (``.csv`` comma, ``.tsv`` tab)."""
    ids = node_names(data)
    row, col = data.edge_index.cpu().numpy()
    if not getattr(data, "directed", False):
        keep = row < col
        row, col = row[keep], col[keep]
    written = [
        _write_rows(
            edges,
            ["source", "target"],
            ([ids[a], ids[b]] for a, b in zip(row.tolist(), col.tolist(), strict=True)),
        )
    ]
    if features is not None:
        x = data.x.cpu().numpy().astype(np.float32)
        header = ["node", *(f"f{j}" for j in range(x.shape[1]))]
        written.append(
            _write_rows(features, header, (_feature_row(ids[i], r) for i, r in enumerate(x)))
        )
    if labels is not None:
        y = data.y.cpu().tolist()
        split = _split_names(data)
        written.append(
            _write_rows(
                labels,
                ["node", "label", "split"],
                ([ids[i], "" if y[i] < 0 else str(y[i]), split[i]] for i in range(len(y))),
            )
        )
    return written


def write_graphml(data: Data, path: str | os.PathLike[str]) -> Path:
    """``data`` as GraphML: features as node attributes ``f0, f1, ...`` (non-zeros only),
    ``label`` and ``split`` attributes (:mod:`gcnlab.data.nx_graph`)."""
    ids = node_names(data)
    graph = nx.DiGraph() if getattr(data, "directed", False) else nx.Graph()
    x = data.x.cpu().numpy().astype(np.float32) if data.x is not None else None
    y = data.y.cpu().tolist() if data.get("y") is not None else None
    split = _split_names(data)
    for i, name in enumerate(ids):
        attrs: dict[str, object] = {}
        if x is not None:  # every column on the first node, so that each one is declared
            columns = range(x.shape[1]) if i == 0 else np.flatnonzero(x[i])
            attrs.update({f"f{j}": float(x[i, j]) for j in columns})
        if y is not None and y[i] >= 0:
            attrs["label"] = int(y[i])
        if split[i]:
            attrs["split"] = split[i]
        graph.add_node(name, **attrs)
    row, col = data.edge_index.cpu().numpy()
    graph.add_edges_from(zip([ids[a] for a in row], [ids[b] for b in col], strict=True))
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def _split_names(data: Data) -> list[str]:
    names = [""] * data.num_nodes
    for key in MASKS:
        mask = data.get(key)
        if mask is not None:
            for i in mask.nonzero().view(-1).tolist():
                names[i] = SPLIT_NAMES[key]
    return names


def _feature_row(node: str, values: np.ndarray) -> list[str]:
    row = ["0"] * values.size  # most features are zeros: print only the others
    for j in np.flatnonzero(values).tolist():
        row[j] = str(values[j])  # numpy prints the shortest text that reads back exactly
    return [node, *row]


def _write_rows(path: str | os.PathLike[str], header: list[str], rows) -> Path:  # noqa: ANN001
    delimiter = "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)  # quotes ids that hold the delimiter
    return atomic_write_bytes(path, buffer.getvalue().encode())
