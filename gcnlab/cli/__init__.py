"""The ``gcnlab`` command line: :func:`main` (the script), :func:`run` (the same, in-process) and
the Typer ``app`` (loaded on first use: importing this package imports neither typer nor torch).
"""

from __future__ import annotations

from typing import Any

from gcnlab.cli.entry import main, run

__all__ = ["app", "main", "run"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from gcnlab.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
