"""``load_dataset(name, root)``: every graph gcnlab trains on, as a PyG ``Data``."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch_geometric.data import Data

from gcnlab.data import karate, planetoid
from gcnlab.errors import UsageError

log = logging.getLogger(__name__)

ENV_ROOT = "GCNLAB_DATA"
DEFAULT_ROOT = Path("datasets")


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    needs_files: bool  # False: ships inside a package


DATASETS: dict[str, DatasetInfo] = {
    "cora": DatasetInfo("cora", "Planetoid citation graph: 2708 papers, 7 classes", True),
    "citeseer": DatasetInfo("citeseer", "Planetoid citation graph: 3327 papers, 6 classes", True),
    "pubmed": DatasetInfo("pubmed", "Planetoid citation graph: 19717 papers, 3 classes", True),
    "karate": DatasetInfo(
        "karate", "Zachary's karate club (networkx): 34 members, 2 factions", False
    ),
}


def resolve_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The data root: ``root`` if given, else ``$GCNLAB_DATA``, else ``./datasets``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_ROOT)
    return Path(env).expanduser() if env else DEFAULT_ROOT


def check_name(name: str) -> str:
    key = name.strip().lower()
    if key not in DATASETS:
        raise UsageError(
            f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}, "
            "or give a graph file (.npz, .csv, .graphml, ...) or a spec "
            "(pyg:Amazon/Computers, ogb:ogbn-arxiv)"
        )
    return key


def is_graph_source(name: str) -> bool:
    """``name`` means a file or spec for :func:`~gcnlab.data.graphs.load_graph`, not one of
    :data:`DATASETS`: a spec, an existing file, or a path with a graph file's suffix."""
    from gcnlab.data.graphs import EDGE_LIST_SUFFIXES, NX_SUFFIXES
    from gcnlab.data.specs import is_spec

    if name.strip().lower() in DATASETS:
        return False
    path = Path(name).expanduser()
    suffixes = (".npz", *EDGE_LIST_SUFFIXES, *NX_SUFFIXES)
    return is_spec(name) or path.is_file() or path.suffix.lower() in suffixes


def dataset_status(name: str, root: str | os.PathLike[str] | None = None) -> str:
    """``"ready"``, ``"built in"`` or ``"missing N files"`` for one dataset under the root."""
    key = check_name(name)
    if not DATASETS[key].needs_files:
        return "built in"
    missing = planetoid.missing_files(resolve_root(root), key)
    return "ready" if not missing else f"missing {len(missing)} of {len(planetoid.PARTS)} files"


def row_normalize(x: torch.Tensor) -> torch.Tensor:
    """Divide each row by its sum (rows summing to 0 stay 0), as the GCN paper does."""
    return x / x.sum(dim=1, keepdim=True).clamp(min=1e-12)


def load_dataset(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    **graph_options: Any,
) -> Data:
    """Load a graph for semi-supervised node classification.

    Args:
        name (str): ``cora``, ``citeseer``, ``pubmed`` (Planetoid public split: 20 labelled
            nodes per class, 500 validation, 1000 test) or ``karate``; anything else that is a
            graph file or a spec goes to :func:`~gcnlab.data.graphs.load_graph`.
        root (path, optional): data root (default: ``$GCNLAB_DATA`` or ``./datasets``).
        download (bool, optional): fetch missing Planetoid files. (default: :obj:`True`)
        **graph_options: passed to :func:`~gcnlab.data.graphs.load_graph` (``directed``,
            ``features``, ``labels``, ...); refused for the named datasets.

    Returns:
        ``Data`` with ``x`` ``[N, F]`` (rows normalized to sum 1), ``edge_index`` ``[2, E]``
        (both directions), ``y`` ``[N]``, boolean ``train_mask``/``val_mask``/``test_mask``,
        and ``name`` and ``num_classes``.

    Raises:
        UsageError: unknown name. DataError: files missing (offline) or not the official ones.
    """
    if isinstance(name, str) and is_graph_source(name):
        from gcnlab.data.graphs import load_graph

        return load_graph(name, root=root, **graph_options)
    key = check_name(name)
    if graph_options.pop("directed", False):
        raise UsageError(f"{key} is an undirected graph; directed=True applies to graph files")
    if graph_options:
        raise UsageError(f"{', '.join(graph_options)} apply to graph files, not to {key}")
    if key == "karate":
        data = karate.read_karate()
    else:
        folder = resolve_root(root)
        if download and planetoid.missing_files(folder, key):
            planetoid.download(folder, key)
        data = planetoid.read_planetoid(folder, key)
        data.x = row_normalize(data.x)
        data.public_split = True  # its masks are Planetoid's public split (gcnlab.data.splits)
    data.name = key
    data.num_classes = int(data.y.max()) + 1
    log.info("loaded %s: %d nodes, %d edges", key, data.num_nodes, data.edge_index.size(1))
    return data
