"""The tasks by name: results and checkpoints record a task's ``name``, and whatever reads them
back (``gcnlab evaluate``, ``gcnlab rerun``, the figures) looks the task up here instead of
comparing strings.

The built-in tasks are an explicit table of import paths, read on demand: this module imports
no task, so the training framework never depends on what is trained with it. A task may have
variants (mini-batch plans of the same task, with the same config, result and checkpoints);
the config names its variant (``config.variant``) and :func:`task_for` picks the class where
the config is read, never inside the task's own ``prepare``.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

from gcnlab.errors import DataError

T = TypeVar("T", bound=type)

# task name -> variant -> "module:Class". "full" is the task itself.
BUILT_IN: dict[str, dict[str, str]] = {
    "node": {
        "full": "gcnlab.tasks.node:NodeTask",
        "clusters": "gcnlab.tasks.node_cluster_gcn:ClusterNodeTask",
    },
    "link": {
        "full": "gcnlab.tasks.link:LinkTask",
        "clusters": "gcnlab.tasks.link_cluster_gcn:ClusterLinkTask",
        "edges": "gcnlab.tasks.link_edge_batches:EdgeBatchLinkTask",
    },
    "image": {"full": "gcnlab.tasks.digits:DigitsTask"},
}

REGISTERED: dict[str, Any] = {}  # name -> Task subclass, added by register_task


def register_task(cls: T) -> T:
    """Class decorator: make a task of your own (a :class:`~gcnlab.train.loop.Task` subclass)
    known by its ``name``, so ``gcnlab evaluate`` and ``gcnlab rerun`` find it."""
    REGISTERED[cls.name] = cls
    return cls


def known_tasks() -> list[str]:
    return sorted({*BUILT_IN, *REGISTERED})


def task_for(name: str, where: str = "this file", config: Any = None) -> Any:
    """The task class called ``name`` (its variant for ``config``, if given); a
    :class:`~gcnlab.errors.DataError` names the known tasks."""
    if name in REGISTERED:
        return REGISTERED[name]
    variants = BUILT_IN.get(name)
    if variants is None:
        raise DataError(
            f"{where} is for task {name!r}, which this gcnlab does not know "
            f"(known: {', '.join(known_tasks())})"
        )
    variant = getattr(config, "variant", "full") if config is not None else "full"
    module, _, attribute = variants[variant].partition(":")
    return getattr(importlib.import_module(module), attribute)
