"""METIS parts (gcnlab.data.partition) and Cluster-GCN batches (gcnlab.data.cluster_batches)."""

from __future__ import annotations

import sys
from pathlib import Path

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
