"""A config field's command-line facts, written once beside the field.

A config dataclass says, field by field, what its command-line option looks like::

    hidden: int = option(16, "Hidden units.", min=1, max=MAX_HIDDEN)
    sparse_features: bool = not_option(True)  # a library setting only

:func:`option` stores an :class:`OptionSpec` in the field's ``metadata``; the command line
(:mod:`gcnlab.cli.derive`) reads it to build each command's options and the config from them.
No torch and no typer here: the configs import this module, and ``--help`` imports the configs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

KEY = "gcnlab.option"  # the metadata key of a field's OptionSpec (None: not an option)


@dataclass(frozen=True)
class OptionSpec:
    """How a config field appears on the command line.

    Attributes:
        help: the option's help text.
        min, max: inclusive bounds, checked by Click (exit 2) before any work and shown in
            ``--help``.
        guard: an upper bound that only keeps a value from overflowing a deeper type (far
            above any useful setting): checked like ``max`` (exit 2, before any work) but left
            out of ``--help``, where ``x<=1e+30`` would read as advice.
        choices: the values the option accepts (listed in ``--help``; case-insensitive).
        flag: the option's declaration when it is not ``--field-name VALUE``: ``"--bias"`` (an
            on/off flag) or ``"--directed/--undirected"``.
        argument: a positional argument instead of an option.
        path: the value is a file path (the config keeps it as a ``str``).
        file_only: a path that must not be a folder.
    """

    help: str
    min: float | None = None
    max: float | None = None
    guard: float | None = None
    choices: tuple[str, ...] | None = None
    flag: str | None = None
    argument: bool = False
    path: bool = False
    file_only: bool = False


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",  # noqa: A002 (the word Click and Typer use)
    *,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
    guard: float | None = None,
    choices: Sequence[str] | None = None,
    flag: str | None = None,
    argument: bool = False,
    path: bool = False,
    file_only: bool = False,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with ``default`` that is also a command-line option (see
    :class:`OptionSpec` for the arguments)."""
    spec = OptionSpec(
        help=help,
        min=min,
        max=max,
        guard=guard,
        choices=None if choices is None else tuple(choices),
        flag=flag,
        argument=argument,
        path=path or file_only,
        file_only=file_only,
    )
    return dataclasses.field(
        default=default, default_factory=default_factory, metadata={KEY: spec}
    )


def not_option(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING
               ) -> Any:
    """A dataclass field that no command sets (a library setting, or one a command fills in
    itself)."""
    return dataclasses.field(default=default, default_factory=default_factory, metadata={KEY: None})


def spec_of(field: dataclasses.Field) -> OptionSpec | None:
    """The field's :class:`OptionSpec`; None for a field that is not an option.

    Raises:
        TypeError: the field says neither (every config field must say which it is).
    """
    if KEY not in field.metadata:
        raise TypeError(f"config field {field.name!r} is neither option() nor not_option()")
    return field.metadata[KEY]


def option_like(config: type, name: str, default: Any) -> Any:
    """Field ``name`` of the dataclass ``config`` (help, bounds, choices) with another default:
    how a task's config changes a default it inherits without restating the option."""
    field = {f.name: f for f in dataclasses.fields(config)}[name]
    return dataclasses.field(default=default, metadata=dict(field.metadata))
