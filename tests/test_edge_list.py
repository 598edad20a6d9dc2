"""Hostile text input for gcnlab.data.edge_list (edge lists, features and labels files)."""

from __future__ import annotations

import logging
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

from gcnlab import InputError
from gcnlab.data import edge_list
from gcnlab.data.edge_list import read_edge_list
from gcnlab.data.graph_parts import assemble

BOM = "\ufeff"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_byte_order_mark_is_not_part_of_the_first_field(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", BOM + "source,target\na,b\nb,c\n")
    features = write(tmp_path / "f.csv", BOM + "node,f1\na,1\nb,2\nc,3\n")
    labels = write(tmp_path / "l.csv", BOM + "node,label\na,x\nb,y\n")
    parts = read_edge_list(edges, features=features, labels=labels)
    assert parts.node_ids == ["a", "b", "c"]
    assert parts.y.tolist() == [0, 1, -1]
    # no header: the first id must not carry the mark either
    plain = read_edge_list(write(tmp_path / "e.txt", BOM + "7 8\n8 9\n"))
    assert plain.node_ids == ["7", "8", "9"]


def test_minus_one_in_a_labels_file_means_unlabeled(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "a,b\nb,c\nc,d\n")
    labels = write(tmp_path / "l.csv", "a,0\nb,-1\nc,1\nd,\n")
    parts = read_edge_list(edges, labels=labels)
    assert parts.y.tolist() == [0, -1, 1, -1]
    assert parts.class_names == ["0", "1"]
    below = write(tmp_path / "bad.csv", "a,0\nb,-2\nc,1\n")
    with pytest.raises(InputError, match=r"bad\.csv, line 2: label '-2'.*-1 or empty"):
        read_edge_list(edges, labels=below)


def test_sparse_class_ids_are_compacted_and_kept_as_names(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "a,b\nb,c\n")
    labels = write(tmp_path / "l.csv", "a,0\nb,100000000\nc,0\n")
    data = assemble(read_edge_list(edges, labels=labels))
    assert data.y.tolist() == [0, 1, 0]
    assert data.num_classes == 2
    assert data.class_names == ["0", "100000000"]


def test_a_line_longer_than_the_cap_is_refused_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge_list, "MAX_LINE_CHARS", 64)
    for name, first in (("e.csv", "a,b"), ("e.txt", "a b")):
        path = write(tmp_path / name, first + "\n" + "x" * 1000 + "\n")
        with pytest.raises(InputError, match=rf"{name}, line 2: longer than 64 characters"):
            read_edge_list(path)


def test_the_line_cap_is_a_mebibyte(tmp_path: Path) -> None:
    assert edge_list.MAX_LINE_CHARS == 2**20
    path = tmp_path / "e.txt"
    path.write_bytes(b"a b\n" + b"x" * (2**20 + 10))  # no newline at all
    with pytest.raises(InputError, match=r"e\.txt, line 2: longer than 1048576 characters"):
        read_edge_list(path)


def test_detected_header_is_logged_and_header_false_reads_it_as_an_edge(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "e.csv", "u,v\nv,w\n")
    with caplog.at_level(logging.INFO, logger="gcnlab.data.edge_list"):
        parts = read_edge_list(path)
    assert parts.node_ids == ["v", "w"]
    assert "e.csv, line 1: 'u,v' taken as a header" in caplog.text
    assert "header=False" in caplog.text
    assert read_edge_list(path, header=False).node_ids == ["u", "v", "w"]


def test_split_column_without_a_split_names_the_file(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "a,b\nb,c\nc,d\n")
    labels = write(tmp_path / "l.csv", "a,0,train\nb,1,train\nc,0,test\nd,1,\n")
    with pytest.raises(InputError, match=r"l\.csv: the split column has no val rows"):
        read_edge_list(edges, labels=labels)


def test_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "edges.csv"
    folder.mkdir()
    with pytest.raises(InputError, match=r"edges\.csv is a folder, not a file"):
        read_edge_list(folder)
    edges = write(tmp_path / "e.csv", "a,b\n")
    with pytest.raises(InputError, match=r"edges\.csv is a folder, not a file"):
        read_edge_list(edges, labels=folder)


@pytest.mark.parametrize("value", ["1e39", "-3e38", "1e16"])
def test_features_beyond_the_bound_are_refused_without_numpy_warnings(
    tmp_path: Path, value: str
) -> None:
    edges = write(tmp_path / "e.csv", "a,b\n")
    features = write(tmp_path / "f.csv", f"a,1,2\nb,3,{value}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            InputError, match=rf"f\.csv, line 2: feature '{value}' in column 3 .*1e\+15"
        ):
            read_edge_list(edges, features=features)


def test_features_are_not_kept_as_per_row_objects(tmp_path: Path) -> None:
    n = 20_000
    edges = write(tmp_path / "e.txt", "".join(f"{i} {i + 1}\n" for i in range(n - 1)))
    features = write(tmp_path / "f.txt", "".join(f"{i} 1 2\n" for i in range(n)))
    tracemalloc.start()
    try:
        parts = read_edge_list(edges, features=features)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parts.x.shape == (n, 2) and parts.x.dtype == np.float32
    assert parts.x[5].tolist() == [1.0, 2.0]
    # ids (dict + list of str) are inherent; one ndarray per row (~130 B) is not
    assert peak < 5_000_000, peak
