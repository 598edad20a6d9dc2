"""The ``gcnlab`` command line. Each module in this package adds its commands to ``app``."""

from gcnlab.cli import (  # noqa: F401 (registers the commands)
    datasets,
    embed,
    evaluate,
    filters,
    linkpred,
    reproduce,
    rerun,
    train,
)
from gcnlab.cli.app import app, main

__all__ = ["app", "main"]
