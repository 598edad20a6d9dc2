"""The Typer application and what every command shares: its options, error handling, console.

Commands import torch and the library inside their bodies, so ``gcnlab --help`` answers at once.
Each command is registered with :func:`command`, which adds the shared ``--debug`` and
``--verbose`` options (accepted before or after the command's name) and turns errors into one
line and an exit code. :func:`execute` runs the app in Click's non-standalone mode and prints
Click's own errors (a bad option value, an unknown command) the same way.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import tempfile
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from gcnlab.cli import derive, interrupts
from gcnlab.errors import GcnlabError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# The base of Click's exceptions, reached through a public Typer class: recent Typer releases
# carry their own copy of Click, older ones use the click package.
CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

app = typer.Typer(
    name="gcnlab",
    help="Graph convolutional networks on PyTorch Geometric: train, reproduce, see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags without a type, no boxes to wrap in a log
)

DebugOption = Annotated[
    bool, typer.Option("--debug", help="On an error, show the full traceback (exit code 1).")
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")]


def _version(value: bool) -> None:
    if value:
        from gcnlab import __version__

        typer.echo(f"gcnlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: DebugOption = False,
    verbose: VerboseOption = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    # --debug and --verbose are read by each command (see `command`), which also accepts them.
    pass


def command(name: str, config: type | None = None) -> Callable[[F], F]:
    """Register ``function`` as ``gcnlab NAME`` with the shared options and error handling.

    With a ``config`` dataclass, the command's options are derived from its fields
    (:func:`gcnlab.cli.derive.config_parameters`) and ``function`` receives the config built from
    them as ``config=``, besides its own, command-only options (``--json``, ``--save``...).

    The command gets ``--debug`` and ``--verbose`` besides its own options (either spelling,
    ``gcnlab --debug train`` or ``gcnlab train --debug``, works), and its errors become one line
    on stderr and an exit code: 2 for a usage error, 1 for a failed run or any other error,
    130 for Ctrl-C (printed by :func:`gcnlab.cli.entry.run`). ``--debug`` lets the exception
    out with its traceback instead. ``function`` itself is returned unchanged.
    """

    def register(function: F) -> F:
        app.command(name)(_with_shared_options(function, config))
        return function

    return register


def _with_shared_options(
    function: Callable[..., Any], config: type | None = None
) -> Callable[..., Any]:
    hints = typing.get_type_hints(function, include_extras=True)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(function).parameters.values()
        if config is None or p.name != "config"
    ]
    derived = [] if config is None else derive.config_parameters(config)
    twice = {p.name for p in derived} & {p.name for p in own}
    assert not twice, f"{function.__name__}: {twice} are options of {config.__name__} already"
    own = derived + own
    keyword = inspect.Parameter.KEYWORD_ONLY
    shared = [
        inspect.Parameter("ctx", keyword, annotation=typer.Context),
        inspect.Parameter("debug", keyword, default=False, annotation=DebugOption),
        inspect.Parameter("verbose", keyword, default=False, annotation=VerboseOption),
    ]
    clash = {p.name for p in shared} & {p.name for p in own}
    assert not clash, f"{function.__name__}: {clash} are shared options"

    @functools.wraps(function)
    def wrapper(*, ctx: typer.Context, debug: bool, verbose: bool, **options: Any) -> Any:
        given_first = ctx.find_root().params  # `gcnlab --debug train` sets them there
        debug = debug or bool(given_first.get("debug"))
        verbose = verbose or bool(given_first.get("verbose"))
        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        human_to_stderr(False)  # until the command's outputs say a result goes to stdout
        try:
            if config is not None:
                fields = {p.name: options.pop(p.name) for p in derived}
                options["config"] = derive.build_config(config, fields)
            return function(**options)
        except (typer.Exit, typer.Abort, CLICK_ERROR):
            raise
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if interrupts.received():  # e.g. a library whose import a Ctrl-C cut short
                raise typer.Exit(EXIT_INTERRUPTED) from None
            if debug:
                raise
            message, code = describe_error(exc)
            raise fail(message, code) from None

    parameters = [*own, *shared]
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def describe_error(exc: Exception) -> tuple[str, int]:
    """The one-line message and exit code of an error a command raised."""
    if isinstance(exc, UsageError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, GcnlabError):
        return str(exc), EXIT_FAILED
    if isinstance(exc, OSError):  # a full disk, a folder that vanished, a permission taken away
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", EXIT_FAILED
    return f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", EXIT_FAILED


def one_line(text: str) -> str:
    """``text`` with its line breaks and runs of spaces collapsed."""
    return " ".join(text.split())


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: <message>`` on stderr; return the ``typer.Exit`` to raise."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code)


def execute(args: Sequence[str] | None = None) -> int:
    """Run the app on ``args`` (default: ``sys.argv[1:]``) in Click's non-standalone mode and
    return the exit code; Click's errors become one line, bare ``gcnlab`` prints the help."""
    cli = typer.main.get_command(app)
    try:
        result = cli.main(
            list(args) if args is not None else None, prog_name="gcnlab", standalone_mode=False
        )
    except CLICK_ERROR as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # bare `gcnlab`
            typer.echo(ctx.get_help(), err=True)
        else:
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            typer.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return EXIT_FAILED
    except SystemExit as exc:  # Click's own exits (a broken pipe, for one)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    # Non-standalone Click returns the code of a typer.Exit, or the command's return value
    # (None from our commands: success).
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def check_writable(path: Path | None) -> None:
    """Refuse an output path that cannot be written, before any work is done.

    Devices, FIFOs and open descriptors (``/dev/null``, a FIFO, ``/dev/stdout``) are written
    through (see :func:`gcnlab.utils.files.atomic_write_bytes`); a folder, a socket or a disk
    is refused. For a file, creates and deletes a probe file in the nearest existing folder:
    unlike ``os.access`` this also catches read-only file systems and is right for root, for whom
    permission bits do not apply.
    """
    if path is None:
        return
    from gcnlab.utils.files import output_target

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file path")
    target = output_target(path)
    if target.how == "descriptor":
        try:
            os.fstat(target.fd)  # type: ignore[arg-type]
        except OSError:
            raise UsageError(
                f"cannot write {path}: file descriptor {target.fd} is not open"
            ) from None
        return
    if target.how == "through":
        if not os.access(path, os.W_OK):
            raise UsageError(f"cannot write {path}: permission denied")
        return
    existing = target.file.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write {path}: {existing} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".gcnlab-probe-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {existing} is not writable ({exc.strerror or exc})"
        ) from None
    if target.file.exists() and not os.access(target.file, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (after links; hard links too); ``/dev/null`` never
    counts, writing it twice loses nothing."""
    real_a, real_b = os.path.realpath(a), os.path.realpath(b)
    if os.devnull in (real_a, real_b):
        return False
    if real_a == real_b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


# Tables written to a pipe or a file are not wrapped at rich's default 80 columns (a row broken
# over lines is unreadable in a log); up to this width they keep their natural size.
PIPED_WIDTH = 200


def console(stderr: bool = False):  # noqa: ANN201 (rich imported lazily)
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(stderr=stderr, highlight=False, width=None if terminal else PIPED_WIDTH)


# Whether the lines meant for people (summaries, tables, "wrote ...") go to stderr: they do when a
# result is written to stdout, which must then hold that result alone (``--json /dev/stdout |
# jq``). Set by gcnlab.cli.outputs.Files.check, reset before every command.
_human_on_stderr = [False]


def human_to_stderr(on: bool) -> None:
    _human_on_stderr[0] = on


def say(text: str) -> None:
    """Print a line for people: on stdout, or on stderr when a result goes to stdout."""
    typer.echo(text, err=_human_on_stderr[0])


def human_console():  # noqa: ANN201 (rich imported lazily)
    """The console for tables, on the stream :func:`say` prints to."""
    return console(stderr=_human_on_stderr[0])
