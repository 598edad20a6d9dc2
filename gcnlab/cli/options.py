"""Options several commands declare themselves: the outputs (``--json``, ``--save``), the data
root, the device of the commands without a config.

The commands with a config dataclass derive their options from it (:mod:`gcnlab.cli.derive`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from gcnlab.utils.runtime import DEVICES


def device_option(help: str) -> Any:  # noqa: A002 (Click's word)
    """A ``--device`` option (auto, cpu or cuda) whose help says what runs there."""
    return Annotated[Literal[DEVICES], typer.Option(help=help, case_sensitive=False)]


DeviceOption = device_option("Where to run.")
Root = Annotated[Path | None, typer.Option(help="Data root (default: $GCNLAB_DATA or ./datasets).")]
Json = Annotated[
    Path | None,
    typer.Option("--json", help="Write the result as JSON here (/dev/stdout prints it)."),
]
Save = Annotated[
    Path | None,
    typer.Option(
        help="Save a checkpoint here (weights at each run's chosen epoch, config, dataset "
        "fingerprint); check it with 'gcnlab evaluate'."
    ),
]

DataOption = Annotated[
    Path | None,
    typer.Option(
        help="The graph file to use instead of the recorded one (the run's data fingerprint "
        "still decides whether it is the same data)."
    ),
]
