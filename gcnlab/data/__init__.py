"""Datasets: ``load_dataset(name)`` and where the files live.

The names below are imported when first used, so that a torch-free module of this package
(:mod:`gcnlab.data.choices`) imports without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["DATASETS", "DatasetInfo", "dataset_status", "load_dataset", "resolve_root"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("gcnlab.data.datasets"), name)
    raise AttributeError(f"module 'gcnlab.data' has no attribute {name!r}")
