"""SGConv against PyG's SGConv: random graphs, every option, gradients, caches and refusals."""

from __future__ import annotations

import pytest
import torch
from family_cases import TOL, assert_grads_close, pick, random_graph
from torch_geometric.nn import SGConv as PyGSGConv

from gcnlab import NormalizedAdjacency, SGConv, SparseMatrix, normalized_adjacency


def _pair(in_channels: int, out_channels: int, **options) -> tuple[SGConv, PyGSGConv]:
    theirs = PyGSGConv(in_channels, out_channels, **options)
    ours = SGConv(in_channels, out_channels, **options)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("seed", range(50))
def test_random_cases_match_pyg(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    edge_index, weight, n = random_graph(g, pick(g, [False, True]), pick(g, [False, True]))
    options = dict(
        K=pick(g, [1, 2, 3, 5]),
        cached=pick(g, [False, True]),
        add_self_loops=pick(g, [False, True]),
        bias=pick(g, [False, True]),
    )
    # both orders of the uncached path: X Θ first (out < in) and P̂^K X first (out >= in)
    in_channels, out_channels = pick(g, [(6, 3), (3, 6), (4, 4)])
    torch.manual_seed(seed)
    ours, theirs = _pair(in_channels, out_channels, **options)
    x = torch.randn(n, in_channels, generator=g)
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()

    out_ours, out_theirs = ours(x_ours, edge_index, weight), theirs(x_theirs, edge_index, weight)
    torch.testing.assert_close(out_ours, out_theirs, **TOL)
    grad_out = torch.randn_like(out_theirs, generator=g) if n else out_theirs
    out_ours.backward(grad_out)
    out_theirs.backward(grad_out)
    assert_grads_close(
        [x_ours.grad, ours.lin.weight.grad, ours.lin.bias],
        [x_theirs.grad, theirs.lin.weight.grad, theirs.lin.bias],
    )
    if ours.lin.bias is not None:
        torch.testing.assert_close(ours.lin.bias.grad, theirs.lin.bias.grad, **TOL)
    # a second call: from the cache when cached (no gradient to x then, as in PyG)
    torch.testing.assert_close(ours(x, edge_index, weight), theirs(x, edge_index, weight), **TOL)


def test_sparse_features_and_matrix_inputs_match_pyg() -> None:
    g = torch.Generator().manual_seed(1)
    edge_index, weight, n = random_graph(g, weighted=True, loops=True)
    x = torch.rand(n, 20, generator=g) * (torch.rand(n, 20, generator=g) < 0.1)
    for cached in (False, True):
        ours, theirs = _pair(20, 4, K=2, cached=cached)
        expected = theirs(x, edge_index, weight)
        adj = normalized_adjacency(edge_index, weight, n)
        for features in (SparseMatrix.from_tensor(x), x.to_sparse_csr(), x):
            torch.testing.assert_close(ours(features, edge_index, weight), expected, **TOL)
            torch.testing.assert_close(ours(features, adj), expected, **TOL)
        # a torch.sparse transposed adjacency, normalized by each (PyG's cache, if any, would
        # answer with the first graph's result: compare with a fresh PyG layer)
        adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).to_sparse_csr()
        fresh = PyGSGConv(20, 4, K=2)
        fresh.load_state_dict(ours.state_dict())
        torch.testing.assert_close(ours(x, adj_t), fresh(x, adj_t), **TOL)


def test_learned_edge_weights_get_pyg_gradients() -> None:
    g = torch.Generator().manual_seed(2)
    edge_index, weight, n = random_graph(g, weighted=True, loops=False)
    ours, theirs = _pair(5, 3, K=3)
    x = torch.randn(n, 5, generator=g)
    w_ours, w_theirs = weight.clone().requires_grad_(), weight.clone().requires_grad_()
    ours(x, edge_index, w_ours).square().sum().backward()
    theirs(x, edge_index, w_theirs).square().sum().backward()
    torch.testing.assert_close(w_ours.grad, w_theirs.grad, **TOL)


def test_state_dicts_load_both_ways_and_lazy_input_size() -> None:
    torch.manual_seed(0)
    ours, theirs = SGConv(7, 3, K=2), PyGSGConv(7, 3, K=2)
    assert set(ours.state_dict()) == set(theirs.state_dict()) == {"lin.weight", "lin.bias"}
    theirs.load_state_dict(ours.state_dict())
    back = SGConv(7, 3, K=2)
    back.load_state_dict(theirs.state_dict())
    edge_index, x = torch.tensor([[0, 1, 2], [1, 2, 0]]), torch.randn(3, 7)
    torch.testing.assert_close(back(x, edge_index), theirs(x, edge_index), **TOL)
    lazy = SGConv(-1, 3, K=2)
    assert lazy.in_channels == -1
    lazy.load_state_dict(ours.state_dict())
    torch.testing.assert_close(lazy(x, edge_index), ours(x, edge_index), **TOL)
    assert SGConv(-1, 3)(x, edge_index).shape == (3, 3)
    assert repr(ours) == "SGConv(7, 3, K=2)"


def test_cache_is_keyed_to_the_graph_and_the_features() -> None:
    g = torch.Generator().manual_seed(3)
    ours = SGConv(4, 2, K=2, cached=True)
    first, _, n = random_graph(g, weighted=False, loops=False)
    x = torch.randn(n, 4, generator=g)
    out = ours(x, first)
    cached = ours._cached_x
    assert torch.equal(ours(x, first), out) and ours._cached_x is cached
    for edge_index, features in (
        (first.clone(), x),  # another graph, equal in value: computed anew, same numbers
        (first, x + 1),  # other features on the same graph
        (torch.tensor([[0, 1], [1, 0]]), x[:2]),  # another graph
    ):
        fresh = SGConv(4, 2, K=2)
        fresh.load_state_dict(ours.state_dict())
        torch.testing.assert_close(ours(features, edge_index), fresh(features, edge_index), **TOL)
        assert ours._cached_x is not cached
        cached = ours._cached_x
    x.mul_(2)  # the features edited in place
    expected = SGConv(4, 2, K=2)
    expected.load_state_dict(ours.state_dict())
    edge_index = torch.tensor([[0, 1], [1, 0]])
    features = x[:2]
    ours(features, edge_index)
    features.add_(1)
    torch.testing.assert_close(ours(features, edge_index), expected(features, edge_index), **TOL)
    adj = normalized_adjacency(first, num_nodes=n)
    assert isinstance(adj, NormalizedAdjacency)
    torch.testing.assert_close(ours(x, adj), expected(x, first), **TOL)


@pytest.mark.parametrize(
    "args, match",
    [
        ((4, 2, 0), "K >= 1"),
        ((4, 2, -1), "K >= 1"),
        ((0, 2), "in_channels >= 1"),
        ((4, 0), "out_channels >= 1"),
    ],
)
def test_refusals(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SGConv(*args)
