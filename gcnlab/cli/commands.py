"""Every command, registered on :data:`gcnlab.cli.app.app` by importing its module."""

from gcnlab.cli import (  # noqa: F401 (registers the commands)
    community,
    datasets,
    digits,
    embed,
    evaluate,
    filters,
    karate,
    linkpred,
    reproduce,
    rerun,
    train,
)
from gcnlab.cli.app import app

__all__ = ["app"]
