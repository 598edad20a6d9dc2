"""``gcnlab datasets``: what can be trained on, and where the data root is."""

from __future__ import annotations

from gcnlab.cli.app import command, console
from gcnlab.cli.options import Root


@command("datasets")
def datasets_command(root: Root = None) -> None:
    """List the datasets (graphs, and the digits images), whether their files are present, and
    the data root."""
    from rich.table import Table

    from gcnlab.data import DATASETS, dataset_status, resolve_root
    from gcnlab.data.digits import DESCRIPTION as DIGITS

    table = Table(title=f"data root: {resolve_root(root).resolve()}")
    for column in ("dataset", "status", "description"):
        table.add_column(column)
    for name, info in DATASETS.items():
        table.add_row(name, dataset_status(name, root), info.description)
    table.add_row("digits", "built in", f"{DIGITS} (images: 'gcnlab digits')")
    console().print(table)
