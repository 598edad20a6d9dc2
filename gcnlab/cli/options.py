"""Options several commands declare themselves: the outputs (``--json``, ``--save``), the data
root, the device of the commands without a config.

The commands with a config dataclass derive their options from it (:mod:`gcnlab.cli.derive`).
``gcnlab cluster`` and ``gcnlab karate`` do not yet: their defaults come from their configs
through :class:`ConfigDefault`, read from the config's source for ``--help``
(:func:`source_default`), so that ``--help`` imports no torch.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import importlib.util
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from gcnlab.train.bounds import (
    MAX_CHANNELS,
    MAX_EPOCHS,
    MAX_HIDDEN,
    MAX_LR,
    MAX_RUNS,
    MAX_SEED,
    MAX_WEIGHT_DECAY,
)
from gcnlab.utils.runtime import DEVICES

NOT_LITERAL = object()  # a default the source does not spell as a literal


@functools.cache
def _module_tree(module: str) -> ast.Module | None:
    spec = importlib.util.find_spec(module)  # imports the parent packages only (torch-free)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


def source_default(module: str, name: str, field: str, depth: int = 0) -> Any:
    """The default of ``field`` of the dataclass ``module:name`` read from its source, without
    importing it: the class's own annotated assignment, else its bases' (first base first, as
    the method resolution order of these single-path hierarchies). :data:`NOT_LITERAL` when it
    is not a literal (a ``field(...)``, a name) or cannot be found."""
    tree = _module_tree(module)
    if tree is None or depth > 8:
        return NOT_LITERAL
    imported: dict[str, str] = {}
    classes: dict[str, ast.ClassDef] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.update({a.asname or a.name: node.module for a in node.names})
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
    cls = classes.get(name)
    if cls is None:
        return NOT_LITERAL
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == field
        ):
            value = stmt.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                # option(default, ...), not_option(default), option_like(Config, name, default)
                at = {"option": 0, "not_option": 0, "option_like": 2}.get(value.func.id)
                value = value.args[at] if at is not None and len(value.args) > at else value
            try:
                return NOT_LITERAL if value is None else ast.literal_eval(value)
            except ValueError:
                return NOT_LITERAL
    for base in cls.bases:
        if isinstance(base, ast.Name):
            owner = module if base.id in classes else imported.get(base.id)
            if owner is not None:
                value = source_default(owner, base.id, field, depth + 1)
                if value is not NOT_LITERAL:
                    return value
    return NOT_LITERAL


class ConfigDefault:
    """The default of ``field`` in a config dataclass, read when it is needed.

    Click calls a callable default when it parses the command line (then the config's module is
    imported, as the command needs it anyway); the help shows ``str()`` of it, read from the
    module's source when the default is a literal, so ``gcnlab train --help`` imports no torch.
    """

    def __init__(self, config: str, field: str) -> None:
        self.config = config  # "module:Class"
        self.field = field

    def value(self) -> Any:
        module, name = self.config.split(":")
        cls = getattr(importlib.import_module(module), name)
        spec = {f.name: f for f in dataclasses.fields(cls)}[self.field]
        if spec.default_factory is not dataclasses.MISSING:
            return spec.default_factory()
        return spec.default

    def shown(self) -> Any:
        """The default for the help: from the source if literal, else imported."""
        module, name = self.config.split(":")
        value = source_default(module, name, self.field)
        return self.value() if value is NOT_LITERAL else value

    def __call__(self) -> Any:
        return self.value()

    def __str__(self) -> str:
        value = self.shown()
        return str(value.value if isinstance(value, Enum) else value)

    def __bool__(self) -> bool:  # a flag whose default is off shows no default in the help
        return bool(self.shown())

    def __repr__(self) -> str:
        return f"ConfigDefault({self.config!r}, {self.field!r})"


class ConfigDefaults:
    """``NODE.epochs``: the :class:`ConfigDefault` of any field of one config dataclass."""

    def __init__(self, config: str) -> None:
        self.config = config  # "module:Class"

    def __getattr__(self, field: str) -> Any:
        if field.startswith("__"):  # copy, pickle and friends probe for these
            raise AttributeError(field)
        return ConfigDefault(self.config, field)




# Options several commands share. Bounds are checked by Click (exit 2) before any work.
Epochs = Annotated[int, typer.Option(help="Maximum epochs per run.", min=1, max=MAX_EPOCHS)]
Hidden = Annotated[int, typer.Option(help="Hidden units.", min=1, max=MAX_HIDDEN)]
Channels = Annotated[
    int,
    typer.Option(
        help="Width of the first convolution; the second has twice as many.",
        min=1,
        max=MAX_CHANNELS,
    ),
]
Lr = Annotated[float, typer.Option(help="Adam learning rate (> 0).", max=MAX_LR)]
WeightDecay = Annotated[
    float, typer.Option(help="L2 penalty on the weights.", min=0.0, max=MAX_WEIGHT_DECAY)
]
Dropout = Annotated[float, typer.Option(help="Dropout probability, in [0, 1).")]
Runs = Annotated[int, typer.Option(help="Number of seeded runs.", min=1, max=MAX_RUNS)]
Seed = Annotated[
    int,
    typer.Option(
        help="First seed; run i uses seed + i (every seed at most 2**32 - 1).", min=0, max=MAX_SEED
    ),
]
DeviceOption = Annotated[
    Literal[DEVICES], typer.Option(help="Where to train.", case_sensitive=False)
]
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
