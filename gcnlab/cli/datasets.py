"""``gcnlab datasets``: what can be trained on, and where the data root is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli.app import app, console, handle_errors


@app.command("datasets")
@handle_errors
def datasets_command(
    root: Annotated[
        Path | None, typer.Option(help="Data root (default: $GCNLAB_DATA or ./datasets).")
    ] = None,
) -> None:
    """List the datasets, whether their files are present, and the data root."""
    from rich.table import Table

    from gcnlab.data import DATASETS, dataset_status, resolve_root

    table = Table(title=f"data root: {resolve_root(root).resolve()}")
    for column in ("dataset", "status", "description"):
        table.add_column(column)
    for name, info in DATASETS.items():
        table.add_row(name, dataset_status(name, root), info.description)
    console().print(table)
