"""gcn_norm against PyG's gcn_norm and hand-computed coefficients."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm as pyg_gcn_norm

from gcnlab import gcn_norm


def test_path_graph_by_hand() -> None:
    # 0 - 1 - 2 with self-loops: degrees 2, 3, 2
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    ei, w = gcn_norm(edge_index, num_nodes=3)
    coeff = {(int(s), int(t)): float(v) for s, t, v in zip(ei[0], ei[1], w, strict=True)}
    assert coeff[(0, 1)] == pytest.approx(1 / (2 * 3) ** 0.5)
    assert coeff[(1, 2)] == pytest.approx(1 / (3 * 2) ** 0.5)
    assert coeff[(0, 0)] == pytest.approx(1 / 2)
    assert coeff[(1, 1)] == pytest.approx(1 / 3)


@pytest.mark.parametrize("loop", [True, False])
@pytest.mark.parametrize("add_self_loops", [True, False])
@pytest.mark.parametrize("flow", ["source_to_target", "target_to_source"])
def test_matches_pyg_with_weights(loop: bool, add_self_loops: bool, flow: str) -> None:
    # directed; with or without an existing self-loop (2 -> 2), whose weight must be kept
    edge_index = torch.tensor([[0, 1, 2, 2, 3, 0], [1, 2, 0, 2 if loop else 1, 1, 3]])
    weight = torch.tensor([0.5, 1.0, 2.0, 3.0, 0.25, 1.5])
    for improved in (False, True):
        ours = gcn_norm(edge_index, weight, 5, improved, add_self_loops, flow)
        theirs = pyg_gcn_norm(edge_index, weight, 5, improved, add_self_loops, flow)
        assert torch.equal(ours[0], theirs[0])
        torch.testing.assert_close(ours[1], theirs[1])


def test_isolated_node_gets_zero_not_inf() -> None:
    edge_index = torch.tensor([[0, 1], [1, 0]])
    _, w = gcn_norm(edge_index, num_nodes=3, add_self_loops=False)
    assert torch.isfinite(w).all()
    ei, w = gcn_norm(edge_index, num_nodes=3)  # node 2 keeps only its self-loop: coefficient 1
    assert float(w[(ei[0] == 2) & (ei[1] == 2)]) == pytest.approx(1.0)


@pytest.mark.parametrize("layout", [torch.sparse_coo, torch.sparse_csr])
def test_sparse_input_matches_pyg(layout: torch.layout) -> None:
    edge_index = torch.tensor([[0, 1, 2, 2], [1, 2, 0, 2]])
    weight = torch.tensor([0.5, 1.0, 2.0, 3.0])
    adj = torch.sparse_coo_tensor(edge_index.flip(0), weight, (4, 4)).coalesce()
    adj = adj if layout == torch.sparse_coo else adj.to_sparse_csr()
    ours, none = gcn_norm(adj, None, 4, improved=True)
    theirs, _ = pyg_gcn_norm(adj, None, 4, True)
    assert none is None and ours.layout == layout
    torch.testing.assert_close(ours.to_dense(), theirs.to_dense())


def test_bad_flow_is_refused() -> None:
    with pytest.raises(ValueError, match="flow"):
        gcn_norm(torch.tensor([[0], [1]]), flow="sideways")
