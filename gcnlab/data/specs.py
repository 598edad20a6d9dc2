"""Graphs named by a spec: ``pyg:Class[/name]`` (a ``torch_geometric.datasets`` class) and
``ogb:ogbn-name`` (an OGB node-property dataset, with the optional ``ogb`` package).

Safety. PyG keeps a processed cache (``processed/*.pt``) beside the raw files and loads it with
``torch.load``; PyG 2.8 retries with ``weights_only=False`` (full unpickling: a crafted file runs
code) when the safe load fails. gcnlab never lets PyG read a cache it did not write in the same
call: the dataset is processed into a fresh temporary folder, read back from there and the
folder deleted, so an existing ``processed/`` folder is never opened. The raw files are read by
PyG's own code, so only the classes whose raw readers cannot unpickle are allowed
(:data:`PYG_CLASSES`: ``.npz`` read with ``allow_pickle=False``, JSON, text); the others (e.g.
``Twitch``, which calls ``numpy.load(allow_pickle=True)``) are refused. ``pyg:Planetoid/<name>``
uses gcnlab's own digest-checked Planetoid reader.

OGB's own dataset classes ``torch.load`` their processed files too, so gcnlab uses the ``ogb``
package only for its dataset table (URL, archive name, split name) and reads the raw CSV files
of the archive itself: no pickle is involved at any point.

Raw files live under the data root: ``<root>/pyg/<Class>/...`` (PyG's layout below that) and
``<root>/ogb/<archive name>/``. Offline, put the files there before the run.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import logging
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from gcnlab.data.builtin import read_dataset
from gcnlab.data.graph_parts import MASKS, GraphParts, from_data
from gcnlab.errors import DataError, UsageError

log = logging.getLogger(__name__)

# torch_geometric.datasets classes whose raw files are read without unpickling; True: the class
# takes a ``name`` (pyg:Class/name), False: it takes none (pyg:Class).
PYG_CLASSES: dict[str, bool] = {
    "Amazon": True,  # .npz, allow_pickle=False
    "Coauthor": True,  # .npz
    "CitationFull": True,  # .npz
    "CoraFull": False,  # .npz
    "WikiCS": False,  # JSON
    "HeterophilousGraphDataset": True,  # .npz, allow_pickle=False
    "Actor": False,  # text, .npz splits
    "WebKB": True,  # text, .npz splits
    "Reddit": False,  # .npz
    "Flickr": False,  # .npz, JSON
}


def load_spec(spec: str, root: Path) -> GraphParts:
    """The graph a ``pyg:`` or ``ogb:`` spec names (module docstring), raw files under ``root``."""
    prefix, _, rest = spec.partition(":")
    if prefix.lower() == "ogb":
        return load_ogb(rest, root, spec)
    return load_pyg(rest, root, spec)


def load_pyg(rest: str, root: Path, spec: str) -> GraphParts:
    class_name, _, name = rest.partition("/")
    if class_name == "Planetoid":  # the verified reader, not PyG's
        return from_data(read_dataset(name, root), spec)
    if class_name not in PYG_CLASSES:
        raise UsageError(
            f"{spec}: gcnlab reads these PyG datasets (their raw files cannot "
            f"unpickle anything): {', '.join(['Planetoid', *PYG_CLASSES])}"
        )
    if PYG_CLASSES[class_name] != bool(name):
        form = f"pyg:{class_name}/<name>" if PYG_CLASSES[class_name] else f"pyg:{class_name}"
        raise UsageError(f"{spec}: write it as {form}")
    import torch_geometric.datasets

    cls = getattr(torch_geometric.datasets, class_name)
    folder = root / "pyg" / class_name
    with tempfile.TemporaryDirectory(prefix="gcnlab-pyg-") as scratch:
        # Same class, but its processed files go to (and are read back from) ``scratch`` only.
        fresh = type(cls.__name__, (cls,), {"processed_dir": property(lambda self: scratch)})
        args = (str(folder), name) if name else (str(folder),)
        try:
            dataset = fresh(*args)
        except (OSError, ValueError, RuntimeError) as exc:
            raise DataError(
                f"{spec}: could not download or read the raw files under {folder} "
                f"({type(exc).__name__}: {exc}); online, run again; offline, put "
                f"the raw files there (see docs/data.md)"
            ) from exc
        data = dataset[0]
    return from_data(_first_split(data), spec)


def _first_split(data: Data) -> Data:
    """Datasets with several splits (WikiCS, Actor, WebKB) keep masks ``[N, k]``: use split 0."""
    for key in MASKS:
        mask = data.get(key)
        if isinstance(mask, torch.Tensor) and mask.dim() == 2:
            data[key] = mask[:, 0].contiguous()
    return data


def load_ogb(name: str, root: Path, spec: str) -> GraphParts:
    if importlib.util.find_spec("ogb") is None:
        raise UsageError(
            f"{spec}: OGB datasets need the optional package ogb; install it with "
            "pip install 'gcnlab[ogb]' (or pip install ogb)"
        )
    meta = ogb_table().get(name)
    if meta is None:
        raise UsageError(
            f"{spec}: not an OGB node-property dataset; choose one of: {', '.join(ogb_table())}"
        )
    if meta["task type"] != "multiclass classification" or meta["num tasks"] != "1":
        raise UsageError(
            f"{spec}: a {meta['task type']} task with {meta['num tasks']} "
            "targets; gcnlab trains single-label classification"
        )
    folder = root / "ogb" / meta["download_name"]
    if not (folder / "raw" / "edge.csv.gz").is_file():
        _download_ogb(meta["url"], root / "ogb", folder, spec)
    return read_ogb_folder(folder, meta["split"], spec)


def ogb_table() -> dict[str, dict[str, str]]:
    """OGB's node-property dataset table (the ``ogb`` package's ``master.csv``), by name."""
    spec = importlib.util.find_spec("ogb.nodeproppred")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "master.csv"
    with open(path, newline="", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    names = table[0][1:]  # the table is transposed: one row per field, one column per dataset
    return {name: {row[0]: row[i + 1] for row in table[1:]} for i, name in enumerate(names)}


def _download_ogb(url: str, into: Path, folder: Path, spec: str) -> None:
    into.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s", url)
    try:
        with tempfile.TemporaryFile() as tmp:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (OGB's URL)
                shutil.copyfileobj(response, tmp)
            tmp.seek(0)
            with zipfile.ZipFile(tmp) as archive:  # extractall drops absolute and '..' parts
                archive.extractall(into)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"{spec}: download of {url} failed ({exc}); offline, unpack the "
            f"archive so that {folder / 'raw' / 'edge.csv.gz'} exists"
        ) from exc


def read_ogb_folder(folder: Path, split: str, spec: str) -> GraphParts:
    """Read an unpacked OGB node-property archive: ``raw/edge.csv.gz`` ``[E, 2]``,
    ``raw/num-node-list.csv.gz``, ``raw/node-feat.csv.gz`` ``[N, F]`` (optional),
    ``raw/node-label.csv.gz`` ``[N, 1]`` (NaN: unlabeled) and ``split/<split>/{train,valid,
    test}.csv.gz`` (node ids)."""
    raw = folder / "raw"
    edges = _csv_gz(raw / "edge.csv.gz", np.int64, spec).reshape(-1, 2)
    n = int(_csv_gz(raw / "num-node-list.csv.gz", np.int64, spec).reshape(-1)[0])
    parts = GraphParts(source=spec, num_nodes=n, src=edges[:, 0], dst=edges[:, 1])
    if (raw / "node-feat.csv.gz").is_file():
        parts.x = _csv_gz(raw / "node-feat.csv.gz", np.float32, spec).reshape(n, -1)
    labels = _csv_gz(raw / "node-label.csv.gz", np.float64, spec).reshape(-1)
    parts.y = np.where(np.isnan(labels), -1, labels).astype(np.int64)
    for key, part in zip(MASKS, ("train", "valid", "test"), strict=True):
        index = _csv_gz(folder / "split" / split / f"{part}.csv.gz", np.int64, spec).reshape(-1)
        if index.size and (index.min() < 0 or index.max() >= n):
            raise DataError(f"{spec}: {part}.csv.gz names a node outside 0..{n - 1}")
        mask = np.zeros(n, dtype=bool)
        mask[index] = True
        parts.masks[key] = mask
    return parts


def _csv_gz(path: Path, dtype: type, spec: str) -> np.ndarray:
    try:
        with gzip.open(path, "rt") as f:
            return np.loadtxt(f, delimiter=",", dtype=dtype, ndmin=2)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{spec}: cannot read {path} ({exc})") from exc
