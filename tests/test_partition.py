"""METIS parts (gcnlab.data.partition) and Cluster-GCN batches (gcnlab.data.cluster_batches)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.utils import stochastic_blockmodel_graph, subgraph

from gcnlab.data.cluster_batches import ClusterBatches
from gcnlab.data.partition import metis_parts, part_order
from gcnlab.errors import UsageError


def _edges(batch, edge_index: torch.Tensor) -> set:  # noqa: ANN001
    return set(map(tuple, batch.nodes[batch.edge_index].t().tolist()))


def test_batches_are_the_induced_subgraphs_of_their_clusters() -> None:
    g = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, 60, (2, 400), generator=g)
    part = torch.randint(0, 6, (60,), generator=g)
    batches = ClusterBatches(edge_index, 60, part, clusters_per_batch=2)
    groups = batches.epoch_groups(torch.Generator().manual_seed(3))
    assert len(groups) == batches.num_batches == 3
    assert sorted(torch.cat(groups).tolist()) == list(range(6))
    for group in groups:
        batch = batches.batch(group)
        assert set(batch.nodes.tolist()) == set(torch.isin(part, group).nonzero().view(-1).tolist())
        reference, _ = subgraph(batch.nodes, edge_index, num_nodes=60)
        assert _edges(batch, edge_index) == set(map(tuple, reference.t().tolist()))


def _block_model_edges() -> torch.Tensor:
    torch.manual_seed(0)
    return stochastic_blockmodel_graph(
        [50, 50, 50], [[0.3, 0.002, 0.002], [0.002, 0.3, 0.002], [0.002, 0.002, 0.3]]
    )


def test_metis_finds_the_blocks_of_a_block_model() -> None:
    pytest.importorskip("pymetis")
    edge_index = _block_model_edges()
    part = metis_parts(edge_index, 150, 3)
    assert torch.equal(part, metis_parts(edge_index, 150, 3))  # deterministic
    for block in range(3):
        counts = torch.bincount(part[50 * block : 50 * (block + 1)], minlength=3)
        assert int(counts.max()) >= 45  # each block lands (almost) whole in one part
    order, starts = part_order(part)
    assert torch.equal(part[order], part.sort().values) and int(starts[-1]) == 150


def test_bad_parts_and_missing_pymetis(monkeypatch: pytest.MonkeyPatch) -> None:
    edge_index = torch.tensor([[0, 1], [1, 0]])
    with pytest.raises(UsageError, match="parts must be between 1 and the number of nodes"):
        metis_parts(edge_index, 2, 3)
    assert metis_parts(edge_index, 2, 1).tolist() == [0, 0]
    monkeypatch.setitem(sys.modules, "pymetis", None)
    with pytest.raises(UsageError, match=r"pip install 'gcnlab\[metis\]'"):
        metis_parts(edge_index, 2, 2)


def test_partition_file_is_written_once_then_read_and_checked(tmp_path: Path) -> None:
    pytest.importorskip("pymetis")
    import numpy as np

    from gcnlab.data.partition import stored_metis_parts
    from gcnlab.errors import DataError

    edge_index = _block_model_edges()
    path = tmp_path / "parts.npz"
    part = stored_metis_parts(edge_index, 150, 3, str(path))
    assert path.exists() and torch.equal(part, metis_parts(edge_index, 150, 3))
    # read back (a changed file would be believed only if it passes the checks below)
    with np.load(path) as f:
        assert f["part"].tolist() == part.tolist() and int(f["parts"]) == 3
    assert torch.equal(stored_metis_parts(edge_index, 150, 3, str(path)), part)
    with pytest.raises(DataError, match="another graph or another --parts"):
        stored_metis_parts(edge_index, 150, 4, str(path))
    with pytest.raises(DataError, match="another graph"):
        stored_metis_parts(edge_index[:, :-2], 150, 3, str(path))
    # hostile or broken files: a pickle, garbage, parts out of range
    bad = tmp_path / "bad.npz"
    np.savez(bad, part=np.array([object()], dtype=object), parts=3, seed=0, edges_sha256="x")
    with pytest.raises(DataError, match="not a gcnlab partition file"):
        stored_metis_parts(edge_index, 150, 3, str(bad))
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a gcnlab partition file"):
        stored_metis_parts(edge_index, 150, 3, str(bad))
    from gcnlab.data.partition import edges_digest

    np.savez(bad, part=np.full(150, 7), parts=3, seed=0, edges_sha256=edges_digest(edge_index))
    with pytest.raises(DataError, match=r"one part in \[0, 3\) for each of 150 nodes"):
        stored_metis_parts(edge_index, 150, 3, str(bad))
    # a process that does not write (rank > 0) leaves no file
    other = tmp_path / "other.npz"
    stored_metis_parts(edge_index, 150, 3, str(other), write=False)
    assert not other.exists()


def test_malformed_partition_files_get_one_line_each(tmp_path: Path) -> None:
    from gcnlab import DataError
    from gcnlab.data.partition import edges_digest, read_parts

    edge_index = torch.tensor([[0, 1, 2], [1, 2, 3]])
    good = {
        "part": np.array([0, 0, 1, 1]),
        "parts": np.int64(2),
        "seed": np.int64(0),
        "edges_sha256": np.str_(edges_digest(edge_index)),
    }

    def read(name: str, **changes: object) -> torch.Tensor:
        arrays = {k: v for k, v in {**good, **changes}.items() if v is not None}
        np.savez(tmp_path / name, **arrays)
        return read_parts(tmp_path / name, edge_index, 4, 2, 0)

    assert read("ok.npz").tolist() == [0, 0, 1, 1]
    cases = {
        "missing.npz": ({"seed": None}, r"missing\.npz: no 'seed' array"),
        "dtype.npz": ({"part": np.array([0.0, 0, 1, 1])}, r"part must be 4 integers, got float64"),
        "shape.npz": ({"part": np.zeros(9, dtype=np.int64)}, r"part must be 4 .*shape \[9\]"),
        "scalar.npz": ({"parts": np.array([2, 2])}, r"parts must be one integer, got int64 of"),
        "negative.npz": ({"part": np.array([0, -1, 1, 1])}, r"part -1 at node 1; expected one"),
        "range.npz": ({"part": np.array([0, 0, 1, 5])}, r"5 at node 3; expected one part in .0, 2"),
        "digest.npz": ({"edges_sha256": np.int64(3)}, r"edges_sha256 must be one string"),
    }
    for name, (changes, message) in cases.items():
        with pytest.raises(DataError, match=message):
            read(name, **changes)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(DataError, match=r"folder\.npz is a folder, not a partition file"):
        read_parts(tmp_path / "folder.npz", edge_index, 4, 2, 0)
    np.savez_compressed(tmp_path / "big.npz", **{**good, "part": np.zeros(4_000_000, np.int64)})
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(DataError, match=r"part must be 4 integers, got int64 of shape \[4000000\]"):
        read_parts(tmp_path / "big.npz", edge_index, 4, 2, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4_000_000, peak
