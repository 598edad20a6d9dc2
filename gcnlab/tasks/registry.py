"""The tasks by name: results and checkpoints record a task's ``name``, and whatever reads them
back (``gcnlab evaluate``, the figures) looks the task up here instead of comparing strings."""

from __future__ import annotations

from typing import Any, TypeVar

from gcnlab.errors import DataError

T = TypeVar("T", bound=type)

TASKS: dict[str, Any] = {}  # name -> Task subclass


def register_task(cls: T) -> T:
    """Class decorator: make a :class:`~gcnlab.tasks.loop.Task` known by its ``name``."""
    TASKS[cls.name] = cls
    return cls


def task_for(name: str, where: str = "this file") -> Any:
    """The task registered as ``name``; a :class:`~gcnlab.errors.DataError` names the known ones."""
    from gcnlab.tasks import image, link, node  # noqa: F401 (the built-in tasks register)

    if name not in TASKS:
        raise DataError(
            f"{where} is for task {name!r}, which this gcnlab does not know "
            f"(known: {', '.join(sorted(TASKS))})"
        )
    return TASKS[name]
