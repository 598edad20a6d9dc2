"""networkx graphs and the files networkx reads: GraphML, GML, edge lists and adjacency lists.

Node attributes become the data:

- the attribute named ``label`` (``label="..."`` picks another) is the class; a node without
  it, or with ``-1`` or empty text, is unlabeled (the rule of every source). In GML networkx
  uses ``label`` as the node's name, so give classes another attribute there (e.g.
  ``class``) and pass ``label="class"``;
- the attribute ``split`` (``train``, ``val``, ``test``), if any node has one, is the file's
  own split;
- every other numeric attribute (int, float, bool) is a feature column, in natural name order
  (``f2`` before ``f10``), or the columns named in ``features=[...]`` in that order. A node
  without a feature attribute has 0 there (sparse features take no space in the file).
  Text attributes other than the label are not features; they are listed in the log, each with
  an example value.
- Edge weights: gcnlab's GCN is unweighted. A file whose edges carry a ``weight`` attribute
  (GraphML, GML) or a third column other than networkx's empty ``{}`` (``.edgelist``) is
  refused, as a CSV weight column is;
  a networkx graph object's weights are ignored with a warning.

The text formats (GML, ``.edgelist``, ``.adjlist``) are read by gcnlab as UTF-8 (a byte-order
mark skipped) with the line cap of :mod:`gcnlab.data.edge_list`, then parsed by networkx.

Nodes keep the graph's order (the file's order for GraphML and GML); ``Data.node_ids`` holds
each node as text. A directed networkx graph is made undirected unless ``directed=True``; an
undirected one has no direction to keep. Parallel edges of a multigraph merge into one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from gcnlab.data.edge_list import SPLITS, bounded_lines
from gcnlab.data.graph_parts import GraphParts, check_dense, class_ids, label_name
from gcnlab.data.limits import check_file_fits
from gcnlab.errors import InputError

log = logging.getLogger(__name__)

# Reading text into networkx objects costs far more than the file: about 20 x its size.
NX_MEMORY_FACTOR = 20.0


def read_nx_file(
    path: Path, *, label: str = "label", features: list[str] | None = None
) -> GraphParts:
    """Read a GraphML (``.graphml``, ``.xml``), GML (``.gml``), networkx edge list
    (``.edgelist``) or adjacency list (``.adjlist``) file."""
    check_file_fits(path, NX_MEMORY_FACTOR)
    suffix = path.suffix.lower()
    readers = {
        ".graphml": lambda: nx.read_graphml(path),  # XML: the parser handles a byte-order mark
        ".xml": lambda: nx.read_graphml(path),
        ".gml": lambda: nx.parse_gml(_text_lines(path)),
        ".edgelist": lambda: nx.parse_edgelist(
            _two_columns(_text_lines(path), path), nodetype=str, data=False
        ),
        ".adjlist": lambda: nx.parse_adjlist(_text_lines(path), nodetype=str),
    }
    try:
        graph = readers[suffix]()
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except Exception as exc:  # networkx raises anything from KeyError to XML ParseError
        raise InputError(
            f"{path}: not a readable {suffix[1:]} file ({type(exc).__name__}: {exc})"
        ) from exc
    weighted = _weighted_edges(graph)
    if weighted:
        raise InputError(
            f"{path}: {weighted} edges carry a 'weight' attribute; gcnlab's GCN is unweighted, "
            "so weights are refused rather than ignored: remove the weight data from the file, "
            "or load it with networkx and pass the graph object (its weights are then ignored)"
        )
    return from_networkx(graph, label=label, features=features, source=str(path))


def _text_lines(path: Path) -> Iterator[str]:
    """The lines of a text file as UTF-8 (a byte-order mark skipped), each at most
    :data:`~gcnlab.data.edge_list.MAX_LINE_CHARS` long."""
    with open(path, encoding="utf-8-sig") as f:
        yield from bounded_lines(f, path)


def _two_columns(lines: Iterable[str], path: Path) -> Iterator[str]:
    """The lines of a networkx edge list, refusing a third column (a weight, or other edge data)
    as CSVs do; networkx's own ``u v {}`` (no data) passes."""
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if fields and len(fields) != 2 and fields[2:] != ["{}"]:
            raise InputError(
                f"{path}, line {number}: expected 2 columns (source, target), got "
                f"{len(fields)}; gcnlab's GCN is unweighted, so keep the two id columns only"
            )
        yield line


def _weighted_edges(graph: nx.Graph) -> int:
    return sum(1 for *_, w in graph.edges(data="weight") if w is not None)


def from_networkx(
    graph: nx.Graph,
    *,
    label: str = "label",
    features: list[str] | None = None,
    source: str = "networkx graph",
) -> GraphParts:
    """A networkx graph as :class:`GraphParts` (see the module docstring)."""
    if not isinstance(graph, nx.Graph):
        raise InputError(f"{source}: expected a networkx graph, got {type(graph).__name__}")
    weighted = _weighted_edges(graph)
    if weighted:
        log.warning(
            "%s: %d edges carry a 'weight' attribute; gcnlab's GCN is unweighted and ignores it",
            source,
            weighted,
        )
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    edges = np.array([(index[u], index[v]) for u, v, *_ in graph.edges], dtype=np.int64)
    edges = edges.reshape(-1, 2)
    attrs = [graph.nodes[node] for node in nodes]
    parts = GraphParts(
        source=source,
        num_nodes=n,
        src=edges[:, 0],
        dst=edges[:, 1],
        node_ids=[str(node) for node in nodes],
        undirected_format=not graph.is_directed(),
    )
    columns = features if features is not None else _numeric_attributes(attrs, label)
    if columns:
        parts.x = _features(attrs, columns, parts.node_ids, source)
    if any(label in a for a in attrs):
        values = []
        for node, a in zip(parts.node_ids, attrs, strict=True):
            try:
                values.append(label_name(a.get(label)))
            except ValueError as exc:
                raise InputError(f"{source}: node {node}: {exc}") from None
        parts.y, parts.class_names = class_ids(values)
        parts.masks = _masks(attrs, parts.node_ids, source)
    return parts


def _numeric_attributes(attrs: list[dict[str, Any]], label: str) -> list[str]:
    numeric: set[str] = set()
    text: dict[str, object] = {}  # attribute -> an example value
    for a in attrs:
        for key, value in a.items():
            if key in (label, "split"):
                continue
            if isinstance(value, (int, float, np.integer, np.floating)):
                numeric.add(key)
            else:
                text.setdefault(key, value)
    left_out = sorted(set(text) - numeric)
    if left_out:
        log.info(
            "node attributes that are not numbers are not features: %s",
            ", ".join(f"{key} (e.g. {text[key]!r})" for key in left_out),
        )
    return sorted(numeric, key=_natural)


def _features(
    attrs: list[dict[str, Any]], columns: list[str], ids: list[str], source: str
) -> np.ndarray:
    check_dense(source, len(attrs), len(columns))
    x = np.zeros((len(attrs), len(columns)), dtype=np.float32)
    for j, key in enumerate(columns):
        for i, a in enumerate(attrs):
            value = a.get(key)
            if value is None:
                continue
            try:
                x[i, j] = float(value)
            except (TypeError, ValueError):
                raise InputError(
                    f"{source}: node {ids[i]}: feature attribute {key!r} holds text "
                    f"({value!r}), not a number; leave it out of features= or convert it"
                ) from None
    return x


def _masks(attrs: list[dict[str, Any]], ids: list[str], source: str) -> dict[str, np.ndarray]:
    if not any("split" in a for a in attrs):
        return {}
    masks = {
        key: np.zeros(len(attrs), dtype=bool) for key in ("train_mask", "val_mask", "test_mask")
    }
    for i, a in enumerate(attrs):
        value = str(a.get("split", "")).lower()
        if value not in SPLITS:
            raise InputError(
                f"{source}: node {ids[i]}: split {value!r} is not one of train, val, test or empty"
            )
        if SPLITS[value]:
            masks[SPLITS[value]][i] = True
    return masks


def _natural(name: str) -> list[tuple[int, str]]:
    """``f2`` before ``f10``: digit runs compare as numbers (zero-padded to one width)."""
    return [(0, t.zfill(20)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", name)]
