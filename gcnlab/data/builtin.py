"""The built-in datasets by name (:data:`~gcnlab.data.sources.DATASETS`): Planetoid's cora,
citeseer and pubmed (digest-checked files under the data root) and Zachary's karate club.

:func:`read_dataset` is the name lookup over those readers; it imports no other way in, so
that every reader may call it (``pyg:Planetoid/cora`` does). The front door for every source is
:func:`~gcnlab.data.graphs.load_graph`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch
from torch_geometric.data import Data

from gcnlab.data import karate, planetoid
from gcnlab.data.sources import DATASETS, check_name
from gcnlab.errors import UsageError

log = logging.getLogger(__name__)

ENV_ROOT = "GCNLAB_DATA"
DEFAULT_ROOT = Path("datasets")


def resolve_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The data root: ``root`` if given, else ``$GCNLAB_DATA``, else ``./datasets``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_ROOT)
    return Path(env).expanduser() if env else DEFAULT_ROOT


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


def read_dataset(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    **graph_options: Any,
) -> Data:
    """One of :data:`~gcnlab.data.sources.DATASETS` by name.

    Args:
        name (str): ``cora``, ``citeseer``, ``pubmed`` (Planetoid public split: 20 labelled
            nodes per class, 500 validation, 1000 test) or ``karate``.
        root (path, optional): data root (default: ``$GCNLAB_DATA`` or ``./datasets``).
        download (bool, optional): fetch missing Planetoid files. (default: :obj:`True`)
        **graph_options: options of :func:`~gcnlab.data.graphs.load_graph` given with a
            value; each one is refused, since they apply to graph files only.

    Returns:
        ``Data`` with ``x`` ``[N, F]`` (rows normalized to sum 1), ``edge_index`` ``[2, E]``
        (both directions), ``y`` ``[N]``, boolean ``train_mask``/``val_mask``/``test_mask``,
        and ``name`` and ``num_classes``.

    Raises:
        UsageError: unknown name, or graph-file options. DataError: files missing (offline) or
            not the official ones.
    """
    key = check_name(name)
    if graph_options.pop("directed", False):
        raise UsageError(f"{key} is an undirected graph; directed=True applies to graph files")
    if graph_options:
        verb = "applies" if len(graph_options) == 1 else "apply"
        raise UsageError(f"{', '.join(graph_options)} {verb} to graph files, not to {key}")
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
