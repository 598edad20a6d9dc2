"""A command's options, derived from its config dataclass; the config, built from its options.

Every field made with :func:`gcnlab.utils.settings.option` becomes one option (or the positional
argument): its name is the field's (``weight_decay`` -> ``--weight-decay``, unless the field
gives a flag), its type the field's, its default the field's default, its help, bounds and
choices the field's. Click checks bounds and choices (exit 2, one line) before any work and
lists them in ``--help``. :func:`build_config` turns the parsed values back into the config.
The configs import no torch, so neither does ``--help``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from gcnlab.utils.settings import OptionSpec, spec_of

ONLY = inspect.Parameter.KEYWORD_ONLY


@functools.cache
def option_fields(config: type) -> tuple[tuple[dataclasses.Field, OptionSpec], ...]:
    """The fields of ``config`` that are command-line options, with their specs, in field
    order (the positional argument first)."""
    found = [(f, spec) for f in dataclasses.fields(config) if (spec := spec_of(f)) is not None]
    return tuple(sorted(found, key=lambda pair: not pair[1].argument))


def _default(field: dataclasses.Field) -> Any:
    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
        return inspect.Parameter.empty  # a required option or argument
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _annotation(field_type: Any, spec: OptionSpec) -> Any:
    """The Python type Typer reads for one option: a ``tuple[str, ...]`` field is an option
    given once per value (``--dataset cora --dataset citeseer``)."""
    args = typing.get_args(field_type)  # X | None: (X, NoneType); tuple[str, ...]: (str, ...)
    optional = type(None) in args
    base = next(t for t in args if t is not type(None)) if optional else field_type
    if typing.get_origin(base) is tuple:
        return list[typing.get_args(base)[0]]
    if spec.choices is not None:
        base = Literal[spec.choices]  # Click lists and checks them
    elif spec.path:
        base = Path
    return base | None if optional else base


def _guarded(name: str, guard: float) -> Any:
    """A Click callback that refuses a value above ``guard`` (exit 2) without the bound in
    ``--help``."""

    def check(value: Any) -> Any:
        if value is not None and not value <= guard:
            raise typer.BadParameter(f"the largest usable {name} is {guard:g}, got {value}.")
        return value

    return check


def config_parameters(config: type) -> list[inspect.Parameter]:
    """One keyword-only parameter per option field of ``config``, annotated for Typer."""
    hints = typing.get_type_hints(config)
    parameters = []
    for field, spec in option_fields(config):
        if spec.argument:
            info: Any = typer.Argument(help=spec.help, case_sensitive=spec.choices is None)
        else:
            declared = () if spec.flag is None else (spec.flag,)
            extra: dict[str, Any] = {}
            if spec.min is not None:
                extra["min"] = spec.min
            if spec.max is not None:
                extra["max"] = spec.max
            if spec.guard is not None:
                extra["callback"] = _guarded(field.name.replace("_", " "), spec.guard)
            if spec.choices is not None:
                extra["case_sensitive"] = False
            if spec.file_only:
                extra["dir_okay"] = False
            info = typer.Option(*declared, help=spec.help, **extra)
        annotation = Annotated[_annotation(hints[field.name], spec), info]
        parameters.append(
            inspect.Parameter(field.name, ONLY, default=_default(field), annotation=annotation)
        )
    return parameters


def build_config(config: type, values: dict[str, Any]) -> Any:
    """``config`` from the parsed options ``values`` (one per option field; the other fields
    keep their defaults): paths become ``str``, like every path a config holds, and repeated
    options a tuple."""
    fields = {}
    for field, _ in option_fields(config):
        value = values[field.name]
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, list):
            value = tuple(value)
        fields[field.name] = value
    return config(**fields)


def given_on_command_line() -> set[str]:
    """The parameters of the running command that the command line set (not their defaults):
    what a mode may refuse when it would not use them."""
    ctx = typer.main.get_current_context()
    return {
        name
        for name in ctx.params
        if (source := ctx.get_parameter_source(name)) is not None
        and source.name == "COMMANDLINE"
    }


def option_name(config_or_command: Any, name: str) -> str:
    """``--weight-decay`` for the parameter ``weight_decay`` (its flag's on-spelling if it has
    one)."""
    if dataclasses.is_dataclass(config_or_command):
        spec = dict((f.name, s) for f, s in option_fields(config_or_command)).get(name)
        if spec is not None and spec.flag is not None:
            return spec.flag.split("/")[0]
    return "--" + name.replace("_", "-")
