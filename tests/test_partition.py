"""METIS parts (gcnlab.data.partition) and Cluster-GCN batches (gcnlab.data.cluster_batches)."""

from __future__ import annotations

import sys

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


def test_metis_finds_the_blocks_of_a_block_model() -> None:
    pytest.importorskip("pymetis")
    torch.manual_seed(0)
    edge_index = stochastic_blockmodel_graph(
        [50, 50, 50], [[0.3, 0.002, 0.002], [0.002, 0.3, 0.002], [0.002, 0.002, 0.3]]
    )
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
