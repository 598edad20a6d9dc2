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
Before anything is read, the unpacked size of the members is checked against free memory.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse

from gcnlab.data.graph_parts import MASKS, GraphParts, check_dense
from gcnlab.data.limits import check_fits
from gcnlab.errors import InputError

log = logging.getLogger(__name__)

ADJ = ("adj_data", "adj_indices", "adj_indptr", "adj_shape")
ATTR = ("attr_data", "attr_indices", "attr_indptr", "attr_shape")


def read_npz(path: Path) -> GraphParts:
    """Read a GNN-benchmark ``.npz`` (see the module docstring) into :class:`GraphParts`.

    Raises:
        InputError: not an ``.npz``, missing adjacency keys, a needed key holding pickled
            objects, inconsistent shapes, or more than the available memory.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable .npz archive ({exc})") from exc
    check_fits(path, unpacked, "the unpacked arrays")
    with np.load(path, allow_pickle=False) as f:
        keys = set(f.files)
        missing = [k for k in ADJ if k not in keys]
        if missing and "adj_matrix" not in keys:
            raise InputError(
                f"{path}: missing keys {', '.join(missing)} (the GNN-benchmark "
                f"layout stores the adjacency as {', '.join(ADJ)})"
            )
        adj = _matrix(f, path, "adj")
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
            parts.x = _features(f, path, n)
        if "labels" in keys:
            parts.y = _labels(_array(f, path, "labels"), path, n)
        for key in MASKS:
            if key in keys:
                parts.masks[key] = _mask(_array(f, path, key), path, key, n)
        parts.node_ids = _names(f, path, "node_names", n)
        parts.class_names = _names(f, path, "class_names", None)
    return parts


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


def _matrix(f: np.lib.npyio.NpzFile, path: Path, prefix: str) -> scipy.sparse.csr_matrix:
    if f"{prefix}_matrix" in f.files and f"{prefix}_data" not in f.files:
        dense = _array(f, path, f"{prefix}_matrix")
        if dense.ndim != 2:
            raise InputError(f"{path}: {prefix}_matrix must be 2-D, got shape {list(dense.shape)}")
        return scipy.sparse.csr_matrix(dense)
    keys = [f"{prefix}_{part}" for part in ("data", "indices", "indptr", "shape")]
    missing = [k for k in keys if k not in f.files]
    if missing:
        raise InputError(f"{path}: missing keys {', '.join(missing)}")
    data, indices, indptr, shape = (_array(f, path, k) for k in keys)
    try:
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or min(shape) < 0:
            raise ValueError(f"shape {list(shape)} is not [rows, columns]")
        matrix = scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)
        matrix.check_format(full_check=True)
    except (ValueError, TypeError, IndexError) as exc:
        raise InputError(f"{path}: {', '.join(keys)} are not a valid CSR matrix ({exc})") from exc
    return matrix


def _features(f: np.lib.npyio.NpzFile, path: Path, n: int) -> np.ndarray:
    if "attr_data" not in f.files:
        x = _array(f, path, "attr_matrix")
        if x.ndim != 2:
            raise InputError(f"{path}: attr_matrix must be 2-D, got shape {list(x.shape)}")
    else:
        shape = _array(f, path, "attr_shape") if "attr_shape" in f.files else None
        if shape is not None and len(shape) == 2:  # before the dense copy is allocated
            check_dense(str(path), int(shape[0]), int(shape[1]))
        x = _matrix(f, path, "attr").toarray()
    if x.shape[0] != n:
        raise InputError(f"{path}: features have {x.shape[0]} rows but the graph has {n} nodes")
    if x.dtype.kind not in "biuf":
        raise InputError(f"{path}: features must be numbers, got {x.dtype}")
    return x.astype(np.float32, copy=False)


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
