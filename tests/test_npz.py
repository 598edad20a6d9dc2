"""Hostile .npz files for gcnlab.data.npz: sizes checked from the zip directory and the array
headers before anything is inflated."""

from __future__ import annotations

import io
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gcnlab import InputError
from gcnlab.data.graph_parts import assemble
from gcnlab.data.npz import read_npz

ADJ = {  # a path 0-1-2 as CSR
    "adj_data": np.ones(2),
    "adj_indices": np.array([1, 2], dtype=np.int32),
    "adj_indptr": np.array([0, 1, 2, 2], dtype=np.int32),
    "adj_shape": np.array([3, 3]),
}


def npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez_compressed(path, **{**ADJ, **arrays})
    return path


def peak_bytes(fn: object) -> int:
    tracemalloc.start()
    try:
        try:
            fn()  # type: ignore[operator]
        except InputError:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_minus_one_and_sparse_class_ids(tmp_path: Path) -> None:
    data = assemble(read_npz(npz(tmp_path / "g.npz", labels=np.array([0, -1, 100_000_000]))))
    assert data.y.tolist() == [0, -1, 1]
    assert data.num_classes == 2 and data.class_names == ["0", "100000000"]


def test_an_array_longer_than_the_graph_is_refused_before_it_is_inflated(
    tmp_path: Path,
) -> None:
    path = npz(tmp_path / "g.npz", labels=np.zeros(4_000_000, dtype=np.int64))  # 32 MB, 30 KB
    with pytest.raises(InputError, match=r"g\.npz: labels must have shape \[3\], got \[4000000\]"):
        read_npz(path)
    assert peak_bytes(lambda: read_npz(path)) < 4_000_000
    indices = npz(tmp_path / "i.npz", adj_indices=np.zeros(4_000_000, dtype=np.int32))
    with pytest.raises(InputError, match=r"adj_indices must have shape \[2\], got \[4000000\]"):
        read_npz(indices)
    assert peak_bytes(lambda: read_npz(indices)) < 4_000_000


def test_a_member_larger_than_its_array_header_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([0, 1, 1]))
    path = tmp_path / "g.npz"
    np.savez(path, **ADJ)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("labels.npy", buffer.getvalue() + bytes(10_000_000))
    with pytest.raises(InputError, match=r"g\.npz: labels unpacks to 10000\d+ bytes, more than"):
        read_npz(path)


def test_features_beyond_float32_are_named_without_numpy_warnings(tmp_path: Path) -> None:
    path = npz(tmp_path / "g.npz", attr_matrix=np.array([[1.0], [1e39], [2.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"g\.npz: 1 node features exceed 1e\+15.*node 1"):
            assemble(read_npz(path))


def test_a_folder_named_like_an_npz(tmp_path: Path) -> None:
    (tmp_path / "g.npz").mkdir()
    with pytest.raises(InputError, match=r"g\.npz is a folder, not a file"):
        read_npz(tmp_path / "g.npz")
