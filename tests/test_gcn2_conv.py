"""GCN2Conv against PyG's GCN2Conv: random graphs, every option, gradients, caches, refusals."""

from __future__ import annotations

import pytest
import torch
from family_cases import TOL, assert_grads_close, pick, random_graph
from torch_geometric.nn import GCN2Conv as PyGGCN2Conv

from gcnlab import GCN2Conv, normalized_adjacency


def _pair(channels: int, alpha: float, **options) -> tuple[GCN2Conv, PyGGCN2Conv]:
    theirs = PyGGCN2Conv(channels, alpha, **options)
    ours = GCN2Conv(channels, alpha, **options)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("seed", range(50))
def test_random_cases_match_pyg(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    weighted = pick(g, [False, True])
    edge_index, weight, n = random_graph(g, weighted, pick(g, [False, True]))
    theta, layer = pick(g, [(None, None), (0.5, 1), (1.0, 7), (1.5, 64), (0.0, 3)])
    options = dict(
        theta=theta,
        layer=layer,
        shared_weights=pick(g, [False, True]),
        cached=pick(g, [False, True]),
        add_self_loops=pick(g, [False, True]),
        normalize=pick(g, [False, True]),
    )
    torch.manual_seed(seed)
    ours, theirs = _pair(5, pick(g, [0.0, 0.1, 0.5, 1.0]), **options)
    x = torch.randn(n, 5, generator=g)
    x_0 = torch.randn(n + pick(g, [0, 3]), 5, generator=g)  # PyG uses x_0's first N rows
    learned = weighted and pick(g, [False, True])  # the message-passing path, its gradient too
    inputs = [[x.clone(), x_0.clone(), None if weight is None else weight.clone()] for _ in "ab"]
    for pair in inputs:
        for t in pair if learned else pair[:2]:
            t.requires_grad_()
    (x1, x01, w1), (x2, x02, w2) = inputs
    out_ours, out_theirs = ours(x1, x01, edge_index, w1), theirs(x2, x02, edge_index, w2)
    torch.testing.assert_close(out_ours, out_theirs, **TOL)
    grad_out = torch.randn(out_theirs.shape, generator=g)
    out_ours.backward(grad_out)
    out_theirs.backward(grad_out)
    assert_grads_close(
        [x1.grad, x01.grad, w1.grad if learned else None, ours.weight1.grad]
        + ([] if ours.weight2 is None else [ours.weight2.grad]),
        [x2.grad, x02.grad, w2.grad if learned else None, theirs.weight1.grad]
        + ([] if theirs.weight2 is None else [theirs.weight2.grad]),
    )
    torch.testing.assert_close(
        ours(x, x_0, edge_index, weight), theirs(x, x_0, edge_index, weight), **TOL
    )


def test_matrix_inputs_match_pyg() -> None:
    g = torch.Generator().manual_seed(1)
    edge_index, weight, n = random_graph(g, weighted=True, loops=True)
    x, x_0 = torch.randn(n, 4, generator=g), torch.randn(n, 4, generator=g)
    ours, theirs = _pair(4, 0.1, theta=0.5, layer=2)
    expected = theirs(x, x_0, edge_index, weight)
    adj = normalized_adjacency(edge_index, weight, n)
    torch.testing.assert_close(ours(x, x_0, adj), expected, **TOL)
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).to_sparse_csr()
    torch.testing.assert_close(ours(x, x_0, adj_t), theirs(x, x_0, adj_t), **TOL)


@pytest.mark.parametrize("shared_weights", [True, False])
def test_state_dicts_load_both_ways(shared_weights: bool) -> None:
    torch.manual_seed(0)
    ours = GCN2Conv(6, 0.1, 0.5, 3, shared_weights=shared_weights)
    theirs = PyGGCN2Conv(6, 0.1, 0.5, 3, shared_weights=shared_weights)
    expected_keys = {"weight1"} if shared_weights else {"weight1", "weight2"}
    assert set(ours.state_dict()) == set(theirs.state_dict()) == expected_keys
    theirs.load_state_dict(ours.state_dict())
    back = GCN2Conv(6, 0.1, 0.5, 3, shared_weights=shared_weights)
    back.load_state_dict(theirs.state_dict())
    edge_index, x = torch.tensor([[0, 1, 2, 2], [1, 2, 0, 1]]), torch.randn(3, 6)
    torch.testing.assert_close(back(x, x, edge_index), theirs(x, x, edge_index), **TOL)
    assert ours.beta == theirs.beta
    assert repr(ours) == repr(theirs)


def test_cache_is_rebuilt_for_another_graph() -> None:
    g = torch.Generator().manual_seed(3)
    ours = GCN2Conv(3, 0.2, cached=True)
    first, _, n = random_graph(g, weighted=False, loops=False)
    x = torch.randn(n, 3, generator=g)
    ours(x, x, first)
    adj = ours._cached_adj
    ours(x, x, first)
    assert ours._cached_adj is adj
    second, weight, m = random_graph(g, weighted=True, loops=True)
    y = torch.randn(m, 3, generator=g)
    fresh = PyGGCN2Conv(3, 0.2)
    fresh.load_state_dict(ours.state_dict())
    torch.testing.assert_close(ours(y, y, second, weight), fresh(y, y, second, weight), **TOL)
    assert ours._cached_adj is not adj


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0, 0.1), {}, "channels >= 1"),
        ((4, -0.5), {}, r"alpha \(the strength of the initial residual\) must be in \[0, 1\]"),
        ((4, 1.5), {}, r"must be in \[0, 1\]"),
        ((4, 0.1), dict(theta=0.5), "theta and layer together"),
        ((4, 0.1), dict(layer=2), "theta and layer together"),
        ((4, 0.1), dict(theta=0.5, layer=0), "layer counts from 1"),
        ((4, 0.1), dict(theta=-1.0, layer=2), "theta must be >= 0"),
    ],
)
def test_refusals(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GCN2Conv(*args, **kwargs)
