"""gcnlab.io.communities: the clusters CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gcnlab.io.communities import write_clusters


def test_rows_are_keyed_by_the_node_ids(tmp_path: Path) -> None:
    path = write_clusters(tmp_path / "c.csv", [[0, 1, 1], [1, 0, 0]], [3, 4], ["b", "a,1", "7"])
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["node", "seed_3", "seed_4"],
        ["b", "0", "1"],
        ["a,1", "1", "0"],
        ["7", "1", "0"],
    ]


def test_without_ids_the_rows_are_numbered(tmp_path: Path) -> None:
    path = write_clusters(tmp_path / "c.csv", [[2, 0]], [0])
    assert path.read_text() == "node,seed_0\n0,2\n1,0\n"


def test_one_id_per_node(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one id per node, got 1 ids for 2 nodes"):
        write_clusters(tmp_path / "c.csv", [[0, 1]], [0], ["a"])
