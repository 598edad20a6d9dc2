"""gcnlab.experiments.tables: the row collector every experiment uses, and its table helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gcnlab.experiments.tables import collect_rows, header, write_result


def _rows(interrupt_after: int | None) -> Iterator[int]:
    for i in range(3):
        if i == interrupt_after:
            raise KeyboardInterrupt
        yield i


def test_collects_every_row_and_tells_each_as_it_comes() -> None:
    seen: list[int] = []
    assert collect_rows(_rows(None), seen.append) == ([0, 1, 2], False)
    assert seen == [0, 1, 2]


def test_an_interrupt_keeps_the_finished_rows() -> None:
    seen: list[int] = []
    assert collect_rows(_rows(2), seen.append) == ([0, 1], True)
    assert seen == [0, 1]


def test_an_interrupt_before_any_row_propagates() -> None:
    with pytest.raises(KeyboardInterrupt):
        collect_rows(_rows(0))


def test_header_right_aligns_the_numeric_columns() -> None:
    assert header(["name", "acc", "time"], numeric={"acc", "time"}) == [
        "| name | acc | time |",
        "|---|---:|---:|",
    ]


@dataclass
class _Result:
    rows: list[int]
    big: list[int]


def test_write_result_writes_markdown_and_json_without_the_dropped_fields(tmp_path: Path) -> None:
    md, js = write_result(_Result([1, 2], [0] * 5), tmp_path, "t", "| a |\n", drop=["big"])
    assert (md.name, js.name) == ("t.md", "t.json")
    assert md.read_text() == "| a |\n"
    assert json.loads(js.read_text()) == {"rows": [1, 2], "markdown": "| a |\n"}
