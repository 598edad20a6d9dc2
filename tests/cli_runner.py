"""Run the command line in-process the way the ``gcnlab`` script does (:func:`gcnlab.cli.run`),
with CliRunner's capture of stdin, stdout and stderr.

``CliRunner.invoke(app, ...)`` would run the Typer app in Click's standalone mode, which
formats errors and exit codes its own way; the script does not, so neither do the tests.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from gcnlab.cli import run


@dataclass
class Outcome:
    """What one command line did."""

    exit_code: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr as they interleaved
    exception: BaseException | None = None  # what --debug let out


def invoke(
    args: list[str | Path], *, input: str | None = None, env: dict[str, str] | None = None
) -> Outcome:
    """``gcnlab ARGS``: its exit code and output."""
    with CliRunner().isolation(input=input, env=env) as (out, err, mixed):
        exception = None
        try:
            code = run([str(a) for a in args])
        except Exception as exc:  # --debug: as the script, exit 1 with the traceback
            code, exception = 1, exc
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(
            code,
            out.getvalue().decode(),
            err.getvalue().decode(),
            mixed.getvalue().decode(),
            exception,
        )
