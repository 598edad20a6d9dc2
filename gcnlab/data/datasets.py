"""``load_dataset(name, root)``: every graph gcnlab trains on, as a PyG ``Data``."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

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
        raise UsageError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return key


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
    name: str, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> Data:
    """Load a graph for semi-supervised node classification.

    Args:
        name (str): ``cora``, ``citeseer``, ``pubmed`` (Planetoid public split: 20 labelled
            nodes per class, 500 validation, 1000 test) or ``karate``.
        root (path, optional): data root (default: ``$GCNLAB_DATA`` or ``./datasets``).
        download (bool, optional): fetch missing Planetoid files. (default: :obj:`True`)

    Returns:
        ``Data`` with ``x`` ``[N, F]`` (rows normalized to sum 1), ``edge_index`` ``[2, E]``
        (both directions), ``y`` ``[N]``, boolean ``train_mask``/``val_mask``/``test_mask``,
        and ``name`` and ``num_classes``.

    Raises:
        UsageError: unknown name. DataError: files missing (offline) or not the official ones.
    """
    key = check_name(name)
    if key == "karate":
        data = karate.read_karate()
    else:
        folder = resolve_root(root)
        if download and planetoid.missing_files(folder, key):
            planetoid.download(folder, key)
        data = planetoid.read_planetoid(folder, key)
        data.x = row_normalize(data.x)
    data.name = key
    data.num_classes = int(data.y.max()) + 1
    log.info("loaded %s: %d nodes, %d edges", key, data.num_nodes, data.edge_index.size(1))
    return data
