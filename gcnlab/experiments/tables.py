"""What every experiment does with its rows: collect them as they are measured (keeping the
finished ones when the user interrupts), lay them out as a Markdown table, and write the table as
Markdown and JSON next to each other.

:func:`collect_rows` serves :mod:`~gcnlab.experiments.depth`, :mod:`~gcnlab.experiments.timing`
and :mod:`~gcnlab.experiments.baselines`; :func:`header` and :func:`write_result` serve them and
:mod:`~gcnlab.experiments.reproduce` and :mod:`~gcnlab.experiments.receptive`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from gcnlab.io.results import write_tables

Row = TypeVar("Row")


def collect_rows(
    rows: Iterable[Row], on_row: Callable[[Row], None] | None = None
) -> tuple[list[Row], bool]:
    """Every row that ``rows`` yields (a generator that trains or measures as it goes), each passed
    to ``on_row`` as soon as it is known: ``(rows, partial)``.

    A ``KeyboardInterrupt`` during a row keeps the rows finished before it (``partial=True``), so
    an interrupted experiment still writes its table; with no row finished, it propagates.
    """
    done: list[Row] = []
    try:
        for row in rows:
            done.append(row)
            if on_row is not None:
                on_row(row)
    except KeyboardInterrupt:
        if not done:
            raise
        return done, True
    return done, False


def header(columns: Sequence[str], numeric: Iterable[str] = ()) -> list[str]:
    """The two header lines of a Markdown table: ``columns``, those in ``numeric`` right-aligned."""
    numeric = set(numeric)
    return [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---:" if c in numeric else "---" for c in columns) + "|",
    ]


def write_result(
    result: Any,
    folder: str | os.PathLike[str],
    stem: str,
    markdown: str,
    *,
    drop: Iterable[str] = (),
) -> list[Path]:
    """``<stem>.md`` (``markdown``) and ``<stem>.json`` (the result dataclass ``result`` without
    the fields in ``drop``, and the Markdown) in ``folder``, each written atomically."""
    payload = dataclasses.asdict(result)
    for name in drop:
        payload.pop(name)
    return write_tables(folder, stem, markdown, payload)
