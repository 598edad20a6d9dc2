"""The ``gcnlab`` command line. Each module in this package adds its commands to ``app``."""

from gcnlab.cli import (  # noqa: F401 (registers the commands)
    cluster,
    datasets,
    evaluate,
    filters,
    karate,
    linkpred,
    reproduce,
    train,
)
from gcnlab.cli.app import app, main

__all__ = ["app", "main"]
