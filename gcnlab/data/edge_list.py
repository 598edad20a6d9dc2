"""Edge lists (CSV, TSV or whitespace-separated) with optional node-feature and label files.

Columns (``#`` starts a comment line; blank lines are skipped):

- **edges** ``source, target``: one edge a line. Ids are any text (``7``, ``paper_12``) and are
  compared as text; exactly two columns (gcnlab's GCN is unweighted, so a weight column is an
  error rather than silently ignored).
- **features** ``node, f_1, ..., f_F``: one row per node, every row the same length, all
  numbers. Every node of the edge list needs a row; a row for a node no edge mentions adds an
  isolated node.
- **labels** ``node, label[, split]``: a label is any text (class ids are assigned in numeric
  order if every label is an integer, else in text order); an empty label or ``-1`` marks an
  unlabeled node, and so does a node without a row (an integer below ``-1`` is refused). The
  optional ``split`` column (``train``, ``val``, ``test`` or empty) is the file's own split;
  each of the three must have at least one row.

Text is read as UTF-8, a byte-order mark (as spreadsheets write) skipped; a line longer than
:data:`MAX_LINE_CHARS` is refused before more of it is read. Features are parsed as float64 and
refused beyond :data:`~gcnlab.data.graph_parts.MAX_FEATURE` in magnitude.

The delimiter follows the suffix: ``.csv`` comma, ``.tsv``/``.tab`` tab, anything else runs of
whitespace. A first line is a header when ``header=True``, or by default when it names the
columns: edges ``source,target`` (or ``src,dst``, ``from,to``, ``u,v``, ``node1,node2``, ...),
features when no field after the first is a number, labels when it starts with ``node``/``id``
or its second field is ``label``/``class``. A detected header is logged (INFO), naming the line
and ``header=False``.

Nodes are numbered ``0..N-1`` in the order they first appear: the features file first (if
given), then the edge list. ``Data.node_ids`` keeps the original id of each node.
The files are streamed, so memory holds the ids and flat arrays (two int64 per edge, F float32
per feature row), not the text or an object per row.
"""

from __future__ import annotations

import csv
import logging
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from gcnlab.data.graph_parts import MAX_FEATURE, GraphParts, class_ids, label_name
from gcnlab.data.limits import check_file_fits
from gcnlab.errors import InputError

log = logging.getLogger(__name__)

# No line of an edge list, features or labels file is near this long (a 10 000-feature row of
# 20-digit numbers is 200 KB); a file without newlines would otherwise be read whole as one line.
MAX_LINE_CHARS = 2**20
DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}  # anything else: whitespace
EDGE_HEADERS = frozenset(
    {
        "source",
        "target",
        "src",
        "dst",
        "from",
        "to",
        "u",
        "v",
        "node1",
        "node2",
        "id1",
        "id2",
        "head",
        "tail",
        "source_id",
        "target_id",
        "sender",
        "receiver",
        "node_1",
        "node_2",
    }
)
NODE_HEADERS = frozenset({"node", "id", "node_id", "nodeid", "name", "vertex"})
LABEL_HEADERS = frozenset({"label", "class", "y", "target", "labels", "category"})
SPLITS = {
    "train": "train_mask",
    "val": "val_mask",
    "valid": "val_mask",
    "validation": "val_mask",
    "test": "test_mask",
    "": None,
}
MASK_KEYS = ("train_mask", "val_mask", "test_mask")


class NodeIds:
    """Node ids as text, numbered in the order they are first added."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def add(self, name: str) -> int:
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i

    def __len__(self) -> int:
        return len(self.names)


def read_edge_list(
    path: Path,
    *,
    features: Path | None = None,
    labels: Path | None = None,
    header: bool | None = None,
) -> GraphParts:
    """Read an edge list and its optional features and labels files (module docstring).

    Raises:
        InputError: naming the file and line: a line without exactly two ids, a non-numeric or
            non-finite feature, rows of different lengths, a node without features, a label
            for a node not in the graph, a node listed twice, a file larger than memory.
    """
    ids = NodeIds()
    x = _read_features(features, ids, header) if features is not None else None
    src, dst = _read_edges(path, ids, header, closed=features)
    parts = GraphParts(
        source=str(path), num_nodes=len(ids), src=src, dst=dst, x=x, node_ids=ids.names
    )
    if labels is not None:
        values, masks = _read_labels(labels, ids, header)
        parts.y, parts.class_names = class_ids(values)
        parts.masks = masks
    return parts


def rows(path: Path, header: bool | None = None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each line that is not blank or a ``#`` comment."""
    check_file_fits(path)
    delimiter = DELIMITERS.get(path.suffix.lower())
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = bounded_lines(f, path)
            if delimiter is None:
                for number, line in enumerate(lines, 1):
                    fields = line.split()
                    if fields and not fields[0].startswith("#"):
                        yield number, fields
                return
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            try:
                for fields in reader:
                    fields = [v.strip() for v in fields]
                    if any(fields) and not fields[0].startswith("#"):
                        yield reader.line_num, fields
            except csv.Error as exc:
                raise InputError(f"{path}, line {reader.line_num}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def bounded_lines(f: Iterable[str], path: Path) -> Iterator[str]:
    """The lines of the text file ``f``, each read at most :data:`MAX_LINE_CHARS` characters at
    a time: a longer line is an :class:`InputError` before the rest of it is read."""
    limit = MAX_LINE_CHARS
    readline = f.readline  # type: ignore[attr-defined]
    number = 0
    while line := readline(limit + 1):
        number += 1
        if len(line) > limit and line[limit] not in "\r\n":
            raise InputError(
                f"{path}, line {number}: longer than {limit} characters (no line of a graph "
                "file is near this long; is it one line without line breaks, or not text?)"
            )
        yield line


def _read_edges(
    path: Path, ids: NodeIds, header: bool | None, closed: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    src, dst = array("q"), array("q")
    first = True
    for number, fields in rows(path):
        if first:
            first = False
            looks = fields[0].lower() in EDGE_HEADERS and fields[-1].lower() in EDGE_HEADERS
            if _is_header(header, looks, path, number, fields):
                continue
        if len(fields) != 2:
            raise InputError(
                f"{path}, line {number}: expected 2 columns (source, target), got "
                f"{len(fields)}; gcnlab's GCN is unweighted, so keep the two id "
                "columns only"
            )
        if not fields[0] or not fields[1]:
            raise InputError(f"{path}, line {number}: an empty node id")
        if closed is not None:
            for name in fields:
                if name not in ids.index:
                    raise InputError(
                        f"{path}, line {number}: node {name!r} has no row in "
                        f"the features file {closed}"
                    )
        src.append(ids.add(fields[0]))
        dst.append(ids.add(fields[1]))
    return np.frombuffer(src, dtype=np.int64), np.frombuffer(dst, dtype=np.int64)


def _read_features(path: Path, ids: NodeIds, header: bool | None) -> np.ndarray:
    values = array("f")  # [N * F] row after row: no object per row
    lines = array("q")  # [N] the line of each node's row, for the duplicate message
    width = None
    first = True
    for number, fields in rows(path):
        if first:
            first = False
            looks = not any(_is_number(v) for v in fields[1:])
            if _is_header(header, looks, path, number, fields):
                continue
        if width is None:
            width = len(fields)
            if width < 2:
                raise InputError(
                    f"{path}, line {number}: expected a node id and at least one feature"
                )
        if len(fields) != width:
            raise InputError(
                f"{path}, line {number}: {len(fields)} columns; the first row "
                f"has {width} (node id and {width - 1} features)"
            )
        name = fields[0]
        if ids.index.get(name, len(lines)) < len(lines):
            raise InputError(
                f"{path}, line {number}: node {name!r} is listed twice (first on "
                f"line {lines[ids.index[name]]})"
            )
        values.extend(_feature_row(fields, path, number))
        ids.add(name)
        lines.append(number)
    if width is None:
        raise InputError(f"{path}: no feature rows")
    return np.frombuffer(values, dtype=np.float32).reshape(len(lines), width - 1)


def _feature_row(fields: list[str], path: Path, number: int) -> np.ndarray:
    """The features of one row as float32, parsed as float64 first so that a value beyond
    float32's range is named (not turned into inf with a numpy warning)."""
    try:
        row = np.array(fields[1:], dtype=np.float64)
    except ValueError:
        column = next(i for i, v in enumerate(fields) if i and not _is_number(v))
        raise InputError(
            f"{path}, line {number}: feature {fields[column]!r} in column "
            f"{column + 1} is not a number"
        ) from None
    bad = ~(np.abs(row) <= MAX_FEATURE)  # NaN compares False
    if bad.any():
        column = int(np.flatnonzero(bad)[0]) + 1
        what = "NaN or infinite" if not np.isfinite(row[column - 1]) else "too large"
        raise InputError(
            f"{path}, line {number}: feature {fields[column]!r} in column {column + 1} is "
            f"{what}; features must be finite with magnitude at most {MAX_FEATURE:.0e} "
            "(scale or standardize them)"
        )
    return row.astype(np.float32)


def _read_labels(
    path: Path, ids: NodeIds, header: bool | None
) -> tuple[list[str], dict[str, np.ndarray]]:
    n = len(ids)
    values = [""] * n
    split = np.zeros(n, dtype=np.int8)  # 0 none, 1 train, 2 val, 3 test
    lines = np.zeros(n, dtype=np.int64)  # the line of each node's row; 0 = none yet
    has_split = False
    first = True
    for number, fields in rows(path):
        if first:
            first = False
            named = fields[0].lower() in NODE_HEADERS or (
                len(fields) > 1 and fields[1].lower() in LABEL_HEADERS
            )
            if _is_header(header, named, path, number, fields):
                continue
        if len(fields) not in (2, 3):
            raise InputError(
                f"{path}, line {number}: expected 2 or 3 columns (node, label"
                f"[, split]), got {len(fields)}"
            )
        node = ids.index.get(fields[0])
        if node is None:
            raise InputError(f"{path}, line {number}: node {fields[0]!r} is not in the graph")
        if lines[node]:
            raise InputError(
                f"{path}, line {number}: node {fields[0]!r} is listed twice "
                f"(first on line {lines[node]})"
            )
        lines[node] = number
        try:
            values[node] = label_name(fields[1])
        except ValueError as exc:
            raise InputError(f"{path}, line {number}: {exc}") from None
        if len(fields) == 3:
            key = fields[2].lower()
            if key not in SPLITS:
                raise InputError(
                    f"{path}, line {number}: split {fields[2]!r} is not one of "
                    "train, val, test or empty"
                )
            has_split = True
            if SPLITS[key] and not values[node]:
                raise InputError(
                    f"{path}, line {number}: node {fields[0]!r} is in the "
                    f"{fields[2]} split but has no label"
                )
            split[node] = MASK_KEYS.index(SPLITS[key]) + 1 if SPLITS[key] else 0
    masks: dict[str, np.ndarray] = {}
    if has_split:
        for i, key in enumerate(MASK_KEYS, 1):
            masks[key] = split == i
        sizes = {key.removesuffix("_mask"): int(mask.sum()) for key, mask in masks.items()}
        empty = [key for key, size in sizes.items() if size == 0]
        if empty:
            counts = ", ".join(f"{key}: {size}" for key, size in sizes.items())
            raise InputError(
                f"{path}: the split column has no {' or '.join(empty)} rows ({counts}); "
                "give each split labeled rows, or drop the split column and draw a split "
                "(--split random, or fractions such as 0.6,0.2,0.2)"
            )
    return values, masks


def _is_header(
    header: bool | None, looks_like_one: bool, path: Path, number: int, fields: list[str]
) -> bool:
    """``header`` if given, else whether the first line looks like one; a guess is logged, since
    ``u,v`` may as well be an edge."""
    if header is not None:
        return header
    if looks_like_one:
        log.info(
            "%s, line %d: %r taken as a header (header=False, or --no-header, reads it as data)",
            path,
            number,
            ",".join(fields),
        )
    return looks_like_one


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
