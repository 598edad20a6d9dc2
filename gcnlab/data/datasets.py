"""``load_dataset(name, root)``: a built-in dataset by name, as a PyG ``Data``.

The names and their readers live in :mod:`gcnlab.data.sources` and :mod:`gcnlab.data.builtin`
(imported here, so that ``gcnlab.data.datasets`` keeps offering them); every other source goes
through :func:`~gcnlab.data.graphs.load_graph`, the front door for all of them.
"""

from __future__ import annotations

import os
from typing import Any

from torch_geometric.data import Data

from gcnlab.data.builtin import (
    DEFAULT_ROOT,
    ENV_ROOT,
    dataset_status,
    read_dataset,
    resolve_root,
    row_normalize,
)
from gcnlab.data.graphs import load_graph
from gcnlab.data.sources import DATASETS, DatasetInfo, check_name, is_graph_source

__all__ = [
    "DATASETS",
    "DEFAULT_ROOT",
    "ENV_ROOT",
    "DatasetInfo",
    "check_name",
    "dataset_status",
    "is_graph_source",
    "load_dataset",
    "resolve_root",
    "row_normalize",
]


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
        return load_graph(name, root=root, **graph_options)
    return read_dataset(name, root, download=download, **graph_options)
