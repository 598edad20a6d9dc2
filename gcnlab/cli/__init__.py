"""The ``gcnlab`` command line. Each module in this package adds its commands to ``app``."""

from gcnlab.cli import datasets, filters, linkpred, train  # noqa: F401 (registers the commands)
from gcnlab.cli.app import app, main

__all__ = ["app", "main"]
