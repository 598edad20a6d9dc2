"""Node orders (gcnlab.data.reorder): permutations, applied to a graph and undone on outputs."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from gcnlab.data.reorder import ORDER_NAMES, NodeOrder, node_order
from gcnlab.errors import UsageError


def _path(n: int) -> torch.Tensor:
    """A path graph 0-1-...-(n-1) with its ids shuffled."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(1))
    a, b = perm[:-1], perm[1:]
    return torch.stack([torch.cat([a, b]), torch.cat([b, a])])


@pytest.mark.parametrize("method", [m for m in ORDER_NAMES if m != "none"])
def test_orders_are_permutations_and_restore_undoes_apply(method: str) -> None:
    if method == "metis":
        pytest.importorskip("pymetis")
    n = 30
    edge_index = _path(n)
    order = node_order(edge_index, n, method)
    assert order is not None
    assert torch.equal(order.perm.sort().values, torch.arange(n))
    x = torch.randn(n, 3)
    data = Data(x=x, edge_index=edge_index, y=torch.arange(n), train_mask=torch.arange(n) < 5)
    moved = order.apply(data)
    torch.testing.assert_close(order.restore(moved.x), x)
    assert torch.equal(order.restore(moved.y), data.y)
    # the same edges, relabelled: the new graph's edge (i, j) is the user's (perm[i], perm[j])
    assert torch.equal(order.perm[moved.edge_index], edge_index)


def test_rcm_narrows_the_band_of_a_shuffled_path() -> None:
    n = 200
    edge_index = _path(n)
    order = node_order(edge_index, n, "rcm")
    new = order.relabel(edge_index)
    assert int((new[0] - new[1]).abs().max()) == 1  # a path in RCM order is a band of width 1
    assert int((edge_index[0] - edge_index[1]).abs().max()) > 50


def test_none_and_unknown() -> None:
    edge_index = _path(5)
    assert node_order(edge_index, 5, "none") is None
    with pytest.raises(UsageError, match="reorder must be one of none, rcm"):
        node_order(edge_index, 5, "bfs")


def test_from_perm_inverse() -> None:
    order = NodeOrder.from_perm(torch.tensor([2, 0, 1]))
    assert order.inverse.tolist() == [1, 2, 0]
