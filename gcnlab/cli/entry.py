"""The ``gcnlab`` entry point: :func:`main` for the script and ``python -m gcnlab``, :func:`run`
for tests. Both go through the same code, so they give the same exit codes and messages.

Only the standard library at the top: the SIGINT policy (:mod:`gcnlab.cli.interrupts`) is in
place before typer and the commands are imported, so a Ctrl-C during start-up is reported like
any other (``error: interrupted``, exit 130), never as a traceback from a half-done import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gcnlab.cli import interrupts

EXIT_INTERRUPTED = 130


def main(args: Sequence[str] | None = None) -> int:
    """Run ``gcnlab`` on ``args`` (default: ``sys.argv[1:]``); return the exit code.

    0 success, 1 a failed run, 2 a usage error, 130 interrupted.
    """
    interrupts.install()
    try:
        return run(args)
    except KeyboardInterrupt:  # while importing typer and the commands
        return _interrupted()


def run(args: Sequence[str] | None = None) -> int:
    """:func:`main` without taking over SIGINT for good: tests call this in-process.

    A Ctrl-C counted while results were written (see :func:`gcnlab.cli.interrupts.deferred`)
    turns a success into 130, after the files are complete. ``--debug`` lets the error out.
    """
    with interrupts.active() as policy:
        try:
            import gcnlab.cli.commands  # noqa: F401 (registers the commands)
            from gcnlab.cli.app import execute

            code = execute(args)
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        except Exception:
            if not policy.received:
                raise
            code = EXIT_INTERRUPTED  # a library whose import was cut short fails oddly later
        if policy.received:
            code = EXIT_INTERRUPTED
        if code == EXIT_INTERRUPTED:
            policy.mode = "defer"  # the outcome is decided; a late Ctrl-C changes nothing
            return _interrupted()
        return code


def _interrupted() -> int:
    sys.stderr.write("error: interrupted\n")
    sys.stderr.flush()
    return EXIT_INTERRUPTED
