"""The Typer application and what every command shares: error handling and the console.

Commands import torch and the library inside their bodies, so ``gcnlab --help`` answers at once.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="gcnlab",
    help="Graph convolutional networks on PyTorch Geometric: train, reproduce, see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _State:
    debug: bool = False


state = _State()

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def _version(value: bool) -> None:
    if value:
        from gcnlab import __version__

        typer.echo(f"gcnlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    state.debug = debug
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def handle_errors(command: F) -> F:
    """Turn library errors into one line on stderr and an exit code (2 usage, 1 failed run,
    130 interrupted); ``--debug`` re-raises with the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gcnlab.errors import GcnlabError, UsageError

        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            if state.debug:
                raise
            raise fail("interrupted", EXIT_INTERRUPTED) from None
        except UsageError as exc:
            if state.debug:
                raise
            raise fail(str(exc), EXIT_USAGE) from None
        except GcnlabError as exc:
            if state.debug:
                raise
            raise fail(str(exc), EXIT_FAILED) from None
        except Exception as exc:  # an unexpected failure: still one line, traceback on --debug
            if state.debug:
                raise
            raise fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)",
                       EXIT_FAILED) from None

    return wrapper  # type: ignore[return-value]


def check_writable(path: Path | None) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    if path is None:
        return
    from gcnlab.errors import UsageError

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file path")
    folder = path.parent if str(path.parent) else Path(".")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise UsageError(f"cannot write {path}: {existing} is not a writable folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def console(stderr: bool = False):  # noqa: ANN201 (rich imported lazily)
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # outside a command (e.g. while importing)
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
