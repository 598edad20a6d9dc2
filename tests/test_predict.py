"""gcnlab.tasks.predict.read_pairs: a pairs file read like an edge list, in bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from gcnlab import InputError
from gcnlab.tasks.predict import read_pairs


def test_pairs_with_a_byte_order_mark_and_header(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("\ufeffsource,target\na,b\nb,c\n", encoding="utf-8")
    assert read_pairs(path, ["a", "b", "c"]).tolist() == [[0, 1], [1, 2]]


def test_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    (tmp_path / "p.csv").mkdir()
    with pytest.raises(InputError, match=r"p\.csv is a folder, not a file"):
        read_pairs(tmp_path / "p.csv", ["a"])


def test_pairs_are_not_kept_as_an_object_per_row(tmp_path: Path) -> None:
    ids = [str(i) for i in range(1000)]
    rows = 100_000
    path = tmp_path / "p.txt"
    path.write_text("".join(f"{i % 1000} {(i * 7) % 1000}\n" for i in range(rows)))
    tracemalloc.start()
    try:
        pairs = read_pairs(path, ids)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert pairs.shape == (2, rows) and pairs[:, 3].tolist() == [3, 21]
    assert peak < 3_500_000, peak  # a tuple per row alone is 6.4 MB here
