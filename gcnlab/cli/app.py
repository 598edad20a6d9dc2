"""The Typer application and what every command shares: error handling and the console.

Commands import torch and the library inside their bodies, so ``gcnlab --help`` answers at once.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

F = TypeVar("F", bound=Callable[..., Any])

# Recent Typer releases carry their own copy of Click (typer._click); reach the exception base
# through a public class so this works with either.
ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


class OneLineErrors(TyperGroup):
    """Click's own errors (a bad option value, an unknown command) as one line on stderr.

    Click and Typer print a usage block and a framed panel; we print ``error: <what>`` and exit 2
    like every other usage error. Running in Click's non-standalone mode hands us the exception;
    exit codes are then ours to give, so ``CliRunner`` and the installed script see the same ones.
    """

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `gcnlab`: the help, as before
                typer.echo(ctx.get_help(), err=True)
            else:
                hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
                typer.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(EXIT_FAILED)
        # Non-standalone Click returns the exit code of a typer.Exit, or the command's return
        # value (None from our commands: success).
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)


app = typer.Typer(
    name="gcnlab",
    help="Graph convolutional networks on PyTorch Geometric: train, reproduce, see.",
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _State:
    debug: bool = False


state = _State()


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


def one_line(text: str) -> str:
    """``text`` with its line breaks and runs of spaces collapsed."""
    return " ".join(text.split())


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {one_line(message)}", err=True)
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
        except OSError as exc:  # a full disk, a folder that vanished, a permission taken away
            if state.debug:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise fail(f"{where}{exc.strerror or exc}", EXIT_FAILED) from None
        except Exception as exc:  # an unexpected failure: still one line, traceback on --debug
            if state.debug:
                raise
            raise fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)",
                       EXIT_FAILED) from None

    return wrapper  # type: ignore[return-value]


def check_writable(path: Path | None) -> None:
    """Refuse an output path that cannot be written, before any work is done.

    Creates and deletes a probe file in the nearest existing folder: unlike ``os.access`` this
    also catches read-only file systems and is right for root, for whom permission bits do not
    apply.
    """
    if path is None:
        return
    from gcnlab.errors import UsageError

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file path")
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write {path}: {existing} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".gcnlab-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {existing} is not writable "
                         f"({exc.strerror or exc})") from None
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
