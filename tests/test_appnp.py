"""APPNP against PyG's APPNP: random graphs, every option, gradients, dropout, caches, refusals."""

from __future__ import annotations

import pytest
import torch
from family_cases import TOL, pick, random_graph
from torch_geometric.nn import APPNP as PyGAPPNP

from gcnlab import APPNP, SparseMatrix, normalized_adjacency
from gcnlab.nn.gcn_family import drop_edges


@pytest.mark.parametrize("seed", range(50))
def test_random_cases_match_pyg(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    weighted = pick(g, [False, True])
    edge_index, weight, n = random_graph(g, weighted, pick(g, [False, True]))
    options = dict(
        K=pick(g, [1, 2, 5, 10]),
        alpha=pick(g, [0.0, 0.1, 0.5, 1.0]),
        dropout=pick(g, [0.0, 0.5]),  # eval mode: no dropout, as in PyG
        cached=pick(g, [False, True]),
        add_self_loops=pick(g, [False, True]),
        normalize=pick(g, [False, True]),
    )
    ours, theirs = APPNP(**options).eval(), PyGAPPNP(**options).eval()
    x = torch.randn(n, 4, generator=g)
    # a weight that needs a gradient takes the message-passing path: compare its gradient too
    learned = weighted and pick(g, [False, True])
    inputs = [
        [x.clone().requires_grad_(), None if weight is None else weight.clone()] for _ in range(2)
    ]
    if learned:
        for pair in inputs:
            pair[1].requires_grad_()
    (x_ours, w_ours), (x_theirs, w_theirs) = inputs
    out_ours, out_theirs = ours(x_ours, edge_index, w_ours), theirs(x_theirs, edge_index, w_theirs)
    torch.testing.assert_close(out_ours, out_theirs, **TOL)
    grad_out = torch.randn(out_theirs.shape, generator=g)
    out_ours.backward(grad_out)
    out_theirs.backward(grad_out)
    torch.testing.assert_close(x_ours.grad, x_theirs.grad, **TOL)
    if learned:
        torch.testing.assert_close(w_ours.grad, w_theirs.grad, **TOL)
    # the second call reuses the cached operator when cached
    torch.testing.assert_close(ours(x, edge_index, weight), theirs(x, edge_index, weight), **TOL)


def test_matrix_inputs_match_pyg() -> None:
    g = torch.Generator().manual_seed(1)
    edge_index, weight, n = random_graph(g, weighted=True, loops=True)
    x = torch.randn(n, 3, generator=g)
    expected = PyGAPPNP(K=4, alpha=0.2)(x, edge_index, weight)
    ours = APPNP(K=4, alpha=0.2)
    torch.testing.assert_close(
        ours(x, normalized_adjacency(edge_index, weight, n)), expected, **TOL
    )
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).to_sparse_csr()
    torch.testing.assert_close(ours(x, adj_t), PyGAPPNP(K=4, alpha=0.2)(x, adj_t), **TOL)
    batch = torch.stack([x, 2 * x])  # [B, N, F], as PyG's node_dim=-2 allows
    torch.testing.assert_close(ours(batch, edge_index, weight)[1], 2 * expected, **TOL)


def test_training_dropout_drops_coefficients_of_the_normalized_adjacency() -> None:
    g = torch.Generator().manual_seed(2)
    edge_index, weight, n = random_graph(g, weighted=True, loops=False)
    adj = normalized_adjacency(edge_index, weight, n)
    torch.manual_seed(0)
    dropped = drop_edges(adj, 0.5)
    assert isinstance(dropped, SparseMatrix) and torch.equal(
        dropped.mat.crow_indices(), adj.mat.crow_indices()
    )
    kept = dropped.values != 0
    torch.testing.assert_close(dropped.values[kept], 2 * adj.values[kept])
    assert 0 < int(kept.sum()) < adj.values.numel()
    torch.testing.assert_close(dropped.t.to_dense(), dropped.mat.to_dense().t())  # both sides
    # training: a new mask per call and step; eval and dropout=0: PyG's numbers exactly
    x = torch.randn(n, 3, generator=g)
    layer = APPNP(K=3, alpha=0.1, dropout=0.5)
    assert not torch.allclose(layer(x, edge_index, weight), layer(x, edge_index, weight))
    torch.testing.assert_close(
        layer.eval()(x, edge_index, weight), PyGAPPNP(K=3, alpha=0.1)(x, edge_index, weight), **TOL
    )
    plain = APPNP(K=3, alpha=0.1, dropout=0.0).train()
    torch.testing.assert_close(plain(x, edge_index, weight), layer(x, edge_index, weight), **TOL)
    # unbiased: the mean of many draws is P̂'s coefficients
    mean = torch.stack([drop_edges(adj, 0.5).values for _ in range(2000)]).mean(0)
    torch.testing.assert_close(mean, adj.values, atol=0.1, rtol=0.1)


def test_cache_is_rebuilt_for_another_graph_and_state_dict_is_empty() -> None:
    g = torch.Generator().manual_seed(3)
    ours = APPNP(K=3, alpha=0.1, cached=True)
    assert ours.state_dict() == {} == PyGAPPNP(K=3, alpha=0.1).state_dict()
    ours.load_state_dict(PyGAPPNP(K=3, alpha=0.1).state_dict())
    first, weight, n = random_graph(g, weighted=True, loops=False)
    x = torch.randn(n, 2, generator=g)
    ours(x, first, weight)
    adj = ours._cached_adj
    ours(x, first, weight)
    assert ours._cached_adj is adj  # the same graph: reused
    second, _, m = random_graph(g, weighted=False, loops=True)
    y = torch.randn(m, 2, generator=g)
    torch.testing.assert_close(ours(y, second), PyGAPPNP(K=3, alpha=0.1)(y, second), **TOL)
    assert ours._cached_adj is not adj
    weight.mul_(2)  # edited in place: normalized anew
    torch.testing.assert_close(
        ours(x, first, weight), PyGAPPNP(K=3, alpha=0.1)(x, first, weight), **TOL
    )
    ours.reset_parameters()
    assert ours._cached_adj is None
    assert repr(ours) == "APPNP(K=3, alpha=0.1)"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(K=0, alpha=0.1), "K >= 1"),
        (dict(K=-2, alpha=0.1), "K >= 1"),
        (dict(K=2, alpha=-0.1), r"alpha \(the teleport probability\) must be in \[0, 1\]"),
        (dict(K=2, alpha=1.5), r"must be in \[0, 1\]"),
        (dict(K=2, alpha=0.1, dropout=1.0), r"dropout must be in \[0, 1\)"),
    ],
)
def test_refusals(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        APPNP(**kwargs)
