"""The ``.npz`` layout of the GNN-benchmark collection (Shchur et al. 2018, "Pitfalls of Graph
Neural Network Evaluation"), the files behind PyG's ``Amazon``, ``Coauthor`` and ``CitationFull``.

Keys (arrays, never pickled objects):

- ``adj_data``, ``adj_indices``, ``adj_indptr``, ``adj_shape``: the adjacency ``[N, N]`` as CSR
  (required; a stored non-zero is an edge from row to column, its value is not used);
- ``attr_data``, ``attr_indices``, ``attr_indptr``, ``attr_shape`` (CSR) or ``attr_matrix``
  (dense): node features ``[N, F]`` (optional; values as stored, PyG binarizes them);
- ``labels``: ``[N]`` integer classes, ``-1`` for unlabeled (optional);
- ``node_names``, ``class_names``: string arrays (optional);
- ``train_mask``, ``val_mask``, ``test_mask``: boolean ``[N]`` (optional, a gcnlab extension:
  the file's own split).

The file is opened with ``numpy.load(allow_pickle=False)``: an array of Python objects is never
unpickled. If a key gcnlab needs holds one, the file is refused; optional name arrays stored as
objects (some GNN-benchmark files keep ``idx_to_node`` dicts) are skipped with a warning.
Before any array is inflated, gcnlab reads the zip directory (each member's unpacked size) and
each array's ``.npy`` header (its shape and dtype, a few hundred bytes): a member that unpacks
to more than its header declares is refused, the total is checked against free memory, and
every array's shape is checked against the others' (``adj_indptr`` ``[N + 1]`` from
``adj_shape``, ``adj_indices`` and ``adj_data`` ``[adj_indptr[-1]]``, ``labels`` and masks
``[N]``, ...) before it is read. A small file cannot inflate into gigabytes of memory.
"""

from __future__ import annotations

import logging
import math
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse

from gcnlab.data.graph_parts import MASKS, GraphParts, check_dense
from gcnlab.data.limits import check_fits, check_is_file
from gcnlab.errors import InputError

log = logging.getLogger(__name__)

ADJ = ("adj_data", "adj_indices", "adj_indptr", "adj_shape")
ATTR = ("attr_data", "attr_indices", "attr_indptr", "attr_shape")
Headers = dict[str, tuple[tuple[int, ...], np.dtype]]  # key -> (shape, dtype) of each array


def read_npz(path: Path) -> GraphParts:
    """Read a GNN-benchmark ``.npz`` (see the module docstring) into :class:`GraphParts`.

    Raises:
        InputError: not an ``.npz``, missing adjacency keys, a needed key holding pickled
            objects, inconsistent shapes, or more than the available memory.
    """
    check_is_file(path)
    headers = array_headers(path)
    with np.load(path, allow_pickle=False) as f:
        keys = set(f.files)
        missing = [k for k in ADJ if k not in keys]
        if missing and "adj_matrix" not in keys:
            raise InputError(
                f"{path}: missing keys {', '.join(missing)} (the GNN-benchmark "
                f"layout stores the adjacency as {', '.join(ADJ)})"
            )
        adj = _matrix(f, headers, path, "adj")
        if adj.shape[0] != adj.shape[1]:
            raise InputError(
                f"{path}: the adjacency has shape {list(adj.shape)}; it must be square [N, N]"
            )
        n = adj.shape[0]
        coo = adj.tocoo()
        parts = GraphParts(
            source=str(path),
            num_nodes=n,
            src=coo.row.astype(np.int64),
            dst=coo.col.astype(np.int64),
        )
        if "attr_matrix" in keys or "attr_data" in keys:
            parts.x = _features(f, headers, path, n)
        if "labels" in keys:
            _expect(headers, path, "labels", (n,))
            parts.y = _labels(_array(f, path, "labels"), path, n)
        for key in MASKS:
            if key in keys:
                _expect(headers, path, key, (n,))
                parts.masks[key] = _mask(_array(f, path, key), path, key, n)
        if "node_names" in keys:
            _expect(headers, path, "node_names", (n,))
        parts.node_ids = _names(f, path, "node_names", n)
        parts.class_names = _names(f, path, "class_names", None)
    return parts


def array_headers(path: Path) -> Headers:
    """The shape and dtype of every ``.npy`` member of the archive at ``path``, from the zip
    directory and the array headers only (nothing else is inflated). Refuses a member that
    unpacks to more than its header declares, and members that together exceed free memory.

    Raises:
        InputError: not a zip archive, a member that is not a ``.npy`` array, a member larger
            than its header, or more than the available memory.
    """
    headers: Headers = {}
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                key = info.filename.removesuffix(".npy")
                with archive.open(info) as member:
                    try:
                        version = np.lib.format.read_magic(member)
                        read = (
                            np.lib.format.read_array_header_1_0
                            if version == (1, 0)
                            else np.lib.format.read_array_header_2_0
                        )
                        shape, _, dtype = read(member)
                    except ValueError as exc:
                        raise InputError(f"{path}: {key} is not a numpy array ({exc})") from None
                    declared = member.tell() + math.prod(shape) * dtype.itemsize
                if not dtype.hasobject and info.file_size > declared:
                    raise InputError(
                        f"{path}: {key} unpacks to {info.file_size} bytes, more than its array "
                        f"header declares ({declared} bytes for {dtype} {list(shape)}); the "
                        "file is damaged or crafted"
                    )
                headers[key] = (shape, dtype)
                total += max(info.file_size, declared)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npz archive ({exc})") from exc
    check_fits(path, total, "the unpacked arrays")
    return headers


def _expect(headers: Headers, path: Path, key: str, shape: tuple[int | None, ...]) -> None:
    """``key``'s header declares ``shape`` (``None``: any length there), checked before the
    array is inflated."""
    found = headers[key][0]
    if len(found) != len(shape) or any(
        s is not None and s != f for s, f in zip(shape, found, strict=True)
    ):
        want = ", ".join("*" if s is None else str(s) for s in shape)
        hint = ""
        if key == "labels" and len(found) == 2:
            hint = " (multi-label or one-hot labels are not supported)"
        raise InputError(f"{path}: {key} must have shape [{want}], got {list(found)}{hint}")


def _array(f: np.lib.npyio.NpzFile, path: Path, key: str) -> np.ndarray:
    try:
        return f[key]
    except ValueError as exc:  # numpy refuses object arrays before unpickling anything
        raise InputError(
            f"{path}: {key} holds pickled Python objects, which gcnlab never "
            "loads (they could run code); store it as a numeric array"
        ) from exc
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: cannot read {key} ({exc})") from exc


def _matrix(
    f: np.lib.npyio.NpzFile, headers: Headers, path: Path, prefix: str, rows: int | None = None
) -> scipy.sparse.csr_matrix:
    """The CSR (or dense ``<prefix>_matrix``) matrix ``prefix``; with ``rows``, it must have as
    many rows. Each array's shape is checked against the others' before it is read."""
    if f"{prefix}_matrix" in f.files and f"{prefix}_data" not in f.files:
        _expect(headers, path, f"{prefix}_matrix", (rows, None))
        return scipy.sparse.csr_matrix(_array(f, path, f"{prefix}_matrix"))
    keys = [f"{prefix}_{part}" for part in ("data", "indices", "indptr", "shape")]
    missing = [k for k in keys if k not in f.files]
    if missing:
        raise InputError(f"{path}: missing keys {', '.join(missing)}")
    _expect(headers, path, keys[3], (2,))
    shape = _array(f, path, keys[3])
    if shape.dtype.kind not in "iu" or min(shape) < 0:
        raise InputError(f"{path}: {keys[3]} must be two integers >= 0, got {shape.tolist()}")
    shape = (int(shape[0]), int(shape[1]))
    if rows is not None and shape[0] != rows:
        raise InputError(f"{path}: features have {shape[0]} rows but the graph has {rows} nodes")
    _expect(headers, path, keys[2], (shape[0] + 1,))
    indptr = _array(f, path, keys[2])
    nnz = int(indptr[-1]) if indptr.dtype.kind in "iu" else -1
    if nnz < 0:
        raise InputError(f"{path}: {keys[2]} must end in the number of entries (>= 0)")
    _expect(headers, path, keys[1], (nnz,))
    _expect(headers, path, keys[0], (nnz,))
    data, indices = _array(f, path, keys[0]), _array(f, path, keys[1])
    try:
        matrix = scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)
        matrix.check_format(full_check=True)
    except (ValueError, TypeError, IndexError) as exc:
        raise InputError(f"{path}: {', '.join(keys)} are not a valid CSR matrix ({exc})") from exc
    return matrix


def _features(f: np.lib.npyio.NpzFile, headers: Headers, path: Path, n: int) -> np.ndarray:
    if "attr_data" in f.files and "attr_shape" in f.files:
        _expect(headers, path, "attr_shape", (2,))
        shape = _array(f, path, "attr_shape")  # before the dense copy is allocated
        check_dense(str(path), int(shape[0]), int(shape[1]))
    x = _matrix(f, headers, path, "attr", rows=n).toarray()
    if x.dtype.kind not in "biuf":
        raise InputError(f"{path}: features must be numbers, got {x.dtype}")
    return x  # float32 in assemble, after its range is checked


def _labels(y: np.ndarray, path: Path, n: int) -> np.ndarray:
    if y.ndim != 1 or y.shape[0] != n:
        hint = " (multi-label or one-hot labels are not supported)" if y.ndim == 2 else ""
        raise InputError(f"{path}: labels must have shape [{n}], got {list(y.shape)}{hint}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise InputError(f"{path}: labels must be integers")
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise InputError(f"{path}: labels must be integers, got {y.dtype}")
    return y.astype(np.int64)


def _mask(mask: np.ndarray, path: Path, key: str, n: int) -> np.ndarray:
    if mask.shape != (n,) or mask.dtype != np.bool_:
        raise InputError(
            f"{path}: {key} must be a boolean array of shape [{n}], got "
            f"{mask.dtype} {list(mask.shape)}"
        )
    return mask


def _names(f: np.lib.npyio.NpzFile, path: Path, key: str, n: int | None) -> list[str] | None:
    if key not in f.files:
        return None
    try:
        names = f[key]
    except ValueError:
        log.warning("%s: %s holds pickled objects; not loaded (ids 0..N-1 used instead)", path, key)
        return None
    if names.ndim != 1 or (n is not None and names.shape[0] != n):
        raise InputError(f"{path}: {key} must have shape [{n}], got {list(names.shape)}")
    return [str(v) for v in names.tolist()]
