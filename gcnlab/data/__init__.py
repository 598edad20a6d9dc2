"""Graphs and their readers: ``load_graph(source)`` is the one front door (built-in names, graph
files, ``pyg:``/``ogb:`` specs, in-memory graphs); ``load_dataset(name)`` the built-in names.

The names below load on first use, so the torch-free modules of this package
(:mod:`gcnlab.data.sources`) can be imported by the configs without importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DATASETS": "gcnlab.data.sources",
    "DatasetInfo": "gcnlab.data.sources",
    "dataset_status": "gcnlab.data.builtin",
    "load_dataset": "gcnlab.data.datasets",
    "load_graph": "gcnlab.data.graphs",
    "resolve_root": "gcnlab.data.builtin",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gcnlab.data' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
