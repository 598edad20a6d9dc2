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
``<root>/ogb/<archive name>/``. Offline, put the files there before the run. Missing files are
fetched by :mod:`gcnlab.data.download` (PyG's URLs, gcnlab's deadline and size bound), never by
PyG's own downloader.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch_geometric.data import Data

from gcnlab.data.builtin import read_dataset
from gcnlab.data.download import Deadline, DownloadError, fetch_file
from gcnlab.data.graph_parts import MASKS, GraphParts, from_data
from gcnlab.errors import DataError, UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PygSource:
    """How gcnlab fetches one ``torch_geometric.datasets`` class's raw files itself, through
    :mod:`gcnlab.data.download` (PyG's own ``download_url`` has no timeout and no size bound, and
    does not verify TLS certificates)."""

    names: tuple[str, ...]  # what pyg:Class/<name> may say, lower case; () when it takes none
    url: Callable[[Any, str], str]  # (the dataset, a raw file name) -> the file's URL
    archive: str | None = None  # the raw files come in this zip (at url(dataset, archive))


def _beside(dataset: Any, fname: str) -> str:
    return f"{dataset.url.rstrip('/')}/{fname}"


def _geom_gcn(folder: Callable[[Any], str]) -> Callable[[Any, str], str]:
    """Actor's and WebKB's files: the graph under ``new_data/<folder(dataset)>``, the splits
    under ``splits``."""

    def url(dataset: Any, fname: str) -> str:
        where = "splits" if "_split_" in fname else f"new_data/{folder(dataset)}"
        return f"{dataset.url}/{where}/{fname}"

    return url


def _google_drive(dataset: Any, fname: str) -> str:
    ids = {
        "adj_full.npz": dataset.adj_full_id,
        "feats.npy": dataset.feats_id,
        "class_map.json": dataset.class_map_id,
        "role.json": dataset.role_id,
    }
    return f"https://drive.usercontent.google.com/download?id={ids[fname]}&confirm=t"


_HETEROPHILOUS = ("roman_empire", "amazon_ratings", "minesweeper", "tolokers", "questions")

# torch_geometric.datasets classes whose raw files are read without unpickling, and where their
# files are (PyG's URLs, as its classes' download() methods build them).
PYG_CLASSES: dict[str, PygSource] = {
    "Amazon": PygSource(("computers", "photo"), _beside),  # .npz, allow_pickle=False
    "Coauthor": PygSource(("cs", "physics"), _beside),  # .npz
    "CitationFull": PygSource(  # .npz
        ("cora", "cora_ml", "citeseer", "dblp", "pubmed"), lambda d, _: d.url.format(d.name)
    ),
    "CoraFull": PygSource((), lambda d, _: d.url.format(d.name)),  # .npz
    "WikiCS": PygSource((), _beside),  # JSON
    "HeterophilousGraphDataset": PygSource(  # .npz, allow_pickle=False; PyG reads - as _
        (*_HETEROPHILOUS, *(n.replace("_", "-") for n in _HETEROPHILOUS if "_" in n)), _beside
    ),
    "Actor": PygSource((), _geom_gcn(lambda _: "film")),  # text, .npz splits
    "WebKB": PygSource(  # text, .npz splits
        ("cornell", "texas", "wisconsin"), _geom_gcn(lambda d: d.name)
    ),
    "Reddit": PygSource((), lambda d, _: d.url, archive="reddit.zip"),  # .npz
    "Flickr": PygSource((), _google_drive),  # .npz, JSON
}

# A part of a spec (class, dataset name): a plain name, never a path.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def load_spec(spec: str, root: Path) -> GraphParts:
    """The graph a ``pyg:`` or ``ogb:`` spec names (module docstring), raw files under ``root``.

    Raises:
        UsageError: a part of the spec is not a plain name (``..``, a slash, an absolute path),
            or names no dataset gcnlab reads.
    """
    prefix, _, rest = spec.partition(":")
    ogb = prefix.lower() == "ogb"
    parts = rest.split("/")
    if len(parts) > (1 if ogb else 2) or not all(_PLAIN.fullmatch(p) for p in parts):
        form = "ogb:<name>" if ogb else "pyg:<Class> or pyg:<Class>/<name>"
        raise UsageError(
            f"{spec}: write it as {form}, each part a plain name (letters, digits, _ and -)"
        )
    if ogb:
        return load_ogb(rest, root, spec)
    return load_pyg(rest, root, spec)


def load_pyg(rest: str, root: Path, spec: str) -> GraphParts:
    class_name, _, name = rest.partition("/")
    if class_name == "Planetoid":  # the verified reader, not PyG's
        return from_data(read_dataset(name, root), spec)
    source = PYG_CLASSES.get(class_name)
    if source is None:
        raise UsageError(
            f"{spec}: gcnlab reads these PyG datasets (their raw files cannot "
            f"unpickle anything): {', '.join(['Planetoid', *PYG_CLASSES])}"
        )
    if bool(source.names) != bool(name):
        form = f"pyg:{class_name}/<name>" if source.names else f"pyg:{class_name}"
        raise UsageError(f"{spec}: write it as {form}")
    if name and name.lower() not in source.names:
        raise UsageError(
            f"{spec}: pyg:{class_name} has no dataset {name!r}; choose one of: "
            f"{', '.join(source.names)}"
        )
    import torch_geometric.datasets

    cls = getattr(torch_geometric.datasets, class_name)
    folder = root / "pyg" / class_name
    deadline = Deadline.start()  # a bad $GCNLAB_DOWNLOAD_DEADLINE is refused before anything

    def download(dataset: Any) -> None:  # PyG calls it when a raw file is missing
        _download_pyg(dataset, source, deadline)

    with tempfile.TemporaryDirectory(prefix="gcnlab-pyg-") as scratch:
        # Same class, but its processed files go to (and are read back from) ``scratch`` only,
        # and its raw files are fetched by gcnlab's downloader.
        namespace = {"processed_dir": property(lambda self: scratch), "download": download}
        fresh = type(cls.__name__, (cls,), namespace)
        args = (str(folder), name) if name else (str(folder),)
        hint = f"offline, put the raw files under {folder} (see docs/data.md)"
        try:
            dataset = fresh(*args)
        except DownloadError as exc:
            raise DataError(f"{spec}: {exc}; {hint}") from exc
        except (OSError, ValueError, RuntimeError, zipfile.BadZipFile) as exc:
            raise DataError(
                f"{spec}: could not download or read the raw files under {folder} "
                f"({type(exc).__name__}: {exc}); online, run again; {hint}"
            ) from exc
        data = dataset[0]
    return from_data(_first_split(data), spec)


def _download_pyg(dataset: Any, source: PygSource, deadline: Deadline) -> None:
    """Fetch ``dataset``'s missing raw files into its ``raw_dir``, before ``deadline``."""
    raw = Path(dataset.raw_dir)
    if source.archive is not None:
        archive = fetch_file(source.url(dataset, source.archive), raw / source.archive, deadline)
        try:
            with zipfile.ZipFile(archive) as zipped:  # extractall drops absolute and '..' parts
                zipped.extractall(raw)
        finally:
            archive.unlink()
        return
    names = dataset.raw_file_names
    for fname in [names] if isinstance(names, str) else names:
        if not (raw / fname).exists():
            fetch_file(source.url(dataset, fname), raw / fname, deadline)


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
        _download_ogb(meta["url"], root / "ogb", folder, spec, Deadline.start())
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


def _download_ogb(url: str, into: Path, folder: Path, spec: str, deadline: Deadline) -> None:
    """Fetch OGB's zip archive at ``url`` and unpack it under ``into`` (it holds ``folder``)."""
    archive = into / f"{folder.name}.zip"
    try:
        fetch_file(url, archive, deadline)
        with zipfile.ZipFile(archive) as zipped:  # extractall drops absolute and '..' parts
            zipped.extractall(into)
    except (DataError, OSError, zipfile.BadZipFile) as exc:
        reason = str(exc) if isinstance(exc, DownloadError) else f"{url}: {exc}"
        raise DataError(
            f"{spec}: {reason}; offline, unpack the archive so that "
            f"{folder / 'raw' / 'edge.csv.gz'} exists"
        ) from exc
    finally:
        archive.unlink(missing_ok=True)


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
