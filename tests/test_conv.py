"""GCNConv against PyG's GCNConv and the dense formula: every option, input kind and gradient."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.nn import GCNConv as PyGGCNConv

from gcnlab import GCNConv, NormalizedAdjacency, SparseMatrix, normalized_adjacency

# (normalize, add_self_loops) pairs PyG accepts; add_self_loops without normalize is refused.
NORMALIZATION = [(True, True), (True, False), (False, False)]
OPTIONS = [
    dict(normalize=n, add_self_loops=s, improved=i, cached=c, bias=b)
    for (n, s), i, c, b in itertools.product(
        NORMALIZATION, [False, True], [False, True], [False, True]
    )
]


def _graph(weighted: bool) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Directed edges, an existing self-loop (node 3), a duplicate edge, isolated node 6."""
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 3, 0, 4, 5, 0], [1, 0, 2, 1, 3, 0, 3, 2, 4, 1]])
    weight = torch.linspace(0.2, 2.0, edge_index.size(1)) if weighted else None
    return edge_index, weight, 7


def _pair(options: dict, in_channels: int = 5, out_channels: int = 3):
    torch.manual_seed(0)
    theirs = PyGGCNConv(in_channels, out_channels, **options)
    ours = GCNConv(in_channels, out_channels, **options)
    ours.load_state_dict(theirs.state_dict())
    if options.get("bias", True):  # PyG zero-initialises the bias: give it values to compare
        with torch.no_grad():
            theirs.bias.uniform_(-1, 1)
            ours.bias.copy_(theirs.bias)
    return ours, theirs


def _dense_reference(x, edge_index, weight, n, conv: GCNConv) -> torch.Tensor:
    """X' = D^-1/2 Â D^-1/2 X W^T + b written with dense matrices (PyG's self-loop rule)."""
    a = torch.zeros(n, n, dtype=x.dtype)  # a[target, source]
    w = torch.ones(edge_index.size(1), dtype=x.dtype) if weight is None else weight
    loops = edge_index[0] == edge_index[1]
    a.index_put_((edge_index[1], edge_index[0]), w, accumulate=True)
    if conv.add_self_loops:
        fill = 2.0 if conv.improved else 1.0
        diag = torch.full((n,), fill, dtype=x.dtype)
        diag[edge_index[0][loops]] = w[loops]  # an existing self-loop keeps its weight
        a[torch.arange(n), torch.arange(n)] = diag
    if conv.normalize:
        d = a.sum(dim=1).pow(-0.5)
        d[torch.isinf(d)] = 0
        a = d[:, None] * a * d[None, :]
    out = a @ x @ conv.lin.weight.t()
    return out if conv.bias is None else out + conv.bias


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: "-".join(k for k, v in o.items() if v) or "plain"
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_matches_pyg_and_dense_formula(options: dict, weighted: bool) -> None:
    edge_index, weight, n = _graph(weighted)
    x = torch.randn(n, 5)
    ours, theirs = _pair(options)
    if weight is None and options["improved"]:
        # PyG ignores improved=True without edge weights (see gcnlab.nn.norm); with explicit unit
        # weights it computes A + 2I, the documented formula that gcnlab follows.
        expected = theirs(x, edge_index, torch.ones(edge_index.size(1)))
    else:
        expected = theirs(x, edge_index, weight)
    for _ in range(2):  # the second call uses the cache when cached=True
        torch.testing.assert_close(ours(x, edge_index, weight), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        _dense_reference(x, edge_index, weight, n, ours), expected, atol=1e-5, rtol=1e-5
    )


def test_improved_without_weights_is_a_plus_2i_unlike_pyg() -> None:
    """Pins PyG 2.8's quirk: it computes A + I for improved=True when edge_weight is None.
    If PyG fixes it, this test fails and the special case in the sweep above can go."""
    edge_index, _, n = _graph(weighted=False)
    x = torch.randn(n, 5)
    ours, theirs = _pair(dict(improved=True))
    plain = PyGGCNConv(5, 3)
    plain.load_state_dict(theirs.state_dict())
    torch.testing.assert_close(theirs(x, edge_index), plain(x, edge_index))  # PyG: no effect
    assert not torch.allclose(ours(x, edge_index), plain(x, edge_index), atol=1e-3)


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: "-".join(k for k, v in o.items() if v) or "plain"
)
def test_gradients_match_pyg(options: dict) -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    ours, theirs = _pair(options)
    grads = []
    for conv in (ours, theirs):
        xi = x.clone().requires_grad_()
        (conv(xi, edge_index, weight) ** 2).sum().backward()
        grads.append([xi.grad] + [p.grad for p in conv.parameters()])
    for g_ours, g_theirs in zip(*grads, strict=True):
        torch.testing.assert_close(g_ours, g_theirs, atol=1e-5, rtol=1e-5)


def test_edge_weight_gradient_matches_pyg() -> None:
    """Learnable edge weights (e.g. an explainer's mask) get PyG's gradient, cached or not."""
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    for cached in (False, True):
        ours, theirs = _pair(dict(cached=cached))
        grads = []
        for conv in (ours, theirs):
            w = weight.clone().requires_grad_()
            conv(x, edge_index, w).sum().backward()
            grads.append(w.grad)
        torch.testing.assert_close(grads[0], grads[1], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layout", [torch.sparse_coo, torch.sparse_csr])
@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(improved=True),
        dict(add_self_loops=False),
        dict(normalize=False, add_self_loops=False),
        dict(cached=True),
    ],
)
def test_sparse_adjacency_input_matches_pyg(layout: torch.layout, options: dict) -> None:
    """A transposed adjacency as torch.sparse: PyG adds λI on top of an existing diagonal."""
    edge_index, weight, n = _graph(weighted=True)
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).coalesce()
    adj_t = adj_t if layout == torch.sparse_coo else adj_t.to_sparse_csr()
    x = torch.randn(n, 5)
    ours, theirs = _pair(options)
    torch.testing.assert_close(ours(x, adj_t), theirs(x, adj_t), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", ["coo", "csr", "sparse_matrix"])
def test_sparse_features_match_dense(kind: str) -> None:
    edge_index, weight, n = _graph(weighted=False)
    x = torch.randn(n, 5) * (torch.rand(n, 5) < 0.3)  # mostly zeros, like bag-of-words
    sparse = {
        "coo": x.to_sparse(),
        "csr": x.to_sparse_csr(),
        "sparse_matrix": SparseMatrix.from_tensor(x),
    }[kind]
    ours, theirs = _pair(dict(cached=True))
    expected = theirs(x, edge_index)
    torch.testing.assert_close(ours(sparse, edge_index), expected, atol=1e-5, rtol=1e-5)
    # gradient w.r.t. the weights through the sparse product equals the dense one
    ours(sparse, edge_index).sum().backward()
    theirs(x, edge_index).sum().backward()
    torch.testing.assert_close(ours.lin.weight.grad, theirs.lin.weight.grad, atol=1e-5, rtol=1e-5)


def test_state_dict_loads_both_ways() -> None:
    ours, theirs = _pair(dict())
    assert set(ours.state_dict()) == set(theirs.state_dict()) == {"lin.weight", "bias"}
    assert ours.lin.weight.shape == (3, 5) and ours.bias.shape == (3,)
    fresh_pyg = PyGGCNConv(5, 3)
    fresh_pyg.load_state_dict(ours.state_dict())
    edge_index, _, n = _graph(weighted=False)
    x = torch.randn(n, 5)
    torch.testing.assert_close(fresh_pyg(x, edge_index), ours(x, edge_index))


def test_precomputed_operator_is_shared_between_calls() -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    ours, theirs = _pair(dict())
    adj = normalized_adjacency(edge_index, weight, n)
    torch.testing.assert_close(ours(x, adj), theirs(x, edge_index, weight), atol=1e-5, rtol=1e-5)


def test_target_to_source_flow_matches_pyg() -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    for cached in (False, True):
        torch.manual_seed(0)
        theirs = PyGGCNConv(5, 3, cached=cached, flow="target_to_source")
        ours = GCNConv(5, 3, cached=cached, flow="target_to_source")
        ours.load_state_dict(theirs.state_dict())
        torch.testing.assert_close(
            ours(x, edge_index, weight), theirs(x, edge_index, weight), atol=1e-5, rtol=1e-5
        )


def test_double_precision_is_kept() -> None:
    edge_index, _, n = _graph(weighted=False)
    ours, theirs = _pair(dict(cached=True))
    ours, theirs = ours.double(), theirs.double()
    x = torch.randn(n, 5, dtype=torch.float64)
    out = ours(x, edge_index)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, theirs(x, edge_index), atol=1e-12, rtol=1e-12)


def test_reset_parameters_clears_cache_and_reinitialises() -> None:
    conv = GCNConv(5, 3, cached=True)
    edge_index, _, n = _graph(weighted=False)
    conv(torch.randn(n, 5), edge_index)
    assert conv._cached_adj is not None
    before = conv.lin.weight.detach().clone()
    conv.reset_parameters()
    assert conv._cached_adj is None
    assert not torch.equal(before, conv.lin.weight)
    bound = (6 / (5 + 3)) ** 0.5  # Glorot uniform
    assert conv.lin.weight.abs().max() <= bound


def test_repr_and_errors() -> None:
    assert repr(GCNConv(16, 7)) == "GCNConv(16, 7)"
    with pytest.raises(ValueError, match="add_self_loops=False"):
        GCNConv(4, 2, normalize=False, add_self_loops=True)
    with pytest.raises(ValueError, match="bipartite"):
        GCNConv(4, 2)((torch.randn(3, 4), torch.randn(3, 4)), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="positive"):
        GCNConv(0, 2)


def test_drops_into_a_pyg_model() -> None:
    """Used inside torch_geometric.nn.Sequential like any PyG layer."""
    from torch_geometric.nn import Sequential

    model = Sequential(
        "x, edge_index",
        [
            (GCNConv(5, 8), "x, edge_index -> x"),
            torch.nn.ReLU(),
            (GCNConv(8, 2), "x, edge_index -> x"),
        ],
    )
    edge_index, _, n = _graph(weighted=False)
    out = model(torch.randn(n, 5), edge_index)
    assert out.shape == (n, 2) and torch.isfinite(out).all()


def test_cache_follows_a_change_of_dtype() -> None:
    edge_index, _, n = _graph(weighted=False)
    conv = GCNConv(5, 3, cached=True)
    x = torch.randn(n, 5)
    conv(x, edge_index)
    conv = conv.double()
    out = conv(x.double(), edge_index)
    assert out.dtype == torch.float64 and conv._cached_adj.values.dtype == torch.float64


# -- PyG-compatible signature ------------------------------------------------------------------


def test_positional_flags_as_in_pyg() -> None:
    """GCNConv(16, 7, False, True) is (improved=False, cached=True), in PyG's order."""
    ours = GCNConv(5, 3, True, True, True, True, False)
    assert (ours.improved, ours.cached, ours.add_self_loops, ours.normalize) == (True,) * 4
    assert ours.bias is None
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    torch.manual_seed(0)
    theirs = PyGGCNConv(5, 3, False, True)
    ours = GCNConv(5, 3, False, True)
    ours.load_state_dict(theirs.state_dict())
    assert ours.cached and not ours.improved
    for _ in range(2):
        torch.testing.assert_close(
            ours(x, edge_index, weight), theirs(x, edge_index, weight), atol=1e-5, rtol=1e-5
        )


@pytest.mark.parametrize("features", ["dense", "sparse_matrix"])
@pytest.mark.parametrize("cached", [False, True])
def test_lazy_in_channels_matches_pyg(features: str, cached: bool) -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    theirs = PyGGCNConv(-1, 3, cached=cached)
    ours = GCNConv(-1, 3, cached=cached)
    assert repr(ours) == "GCNConv(-1, 3)" and ours.in_channels == -1
    torch.manual_seed(0)
    expected = theirs(x, edge_index, weight)  # PyG creates its weight on this first call
    torch.manual_seed(0)
    first = ours(
        SparseMatrix.from_tensor(x) if features == "sparse_matrix" else x, edge_index, weight
    )
    assert first.shape == (n, 3) and repr(ours) == "GCNConv(5, 3)"
    assert ours.lin.weight.shape == (3, 5)
    assert ours.lin.weight.abs().max() <= (6 / (5 + 3)) ** 0.5  # Glorot, as PyG's
    ours.load_state_dict(theirs.state_dict())
    torch.testing.assert_close(ours(x, edge_index, weight), expected, atol=1e-5, rtol=1e-5)


def test_lazy_layer_loads_a_state_dict_before_its_first_call() -> None:
    edge_index, _, n = _graph(weighted=False)
    x = torch.randn(n, 5)
    theirs = PyGGCNConv(5, 3)
    ours = GCNConv(-1, 3)
    ours.load_state_dict(theirs.state_dict())
    assert ours.in_channels == 5
    torch.testing.assert_close(ours(x, edge_index), theirs(x, edge_index), atol=1e-5, rtol=1e-5)


# -- the normalized operator and the path rule ------------------------------------------------


def test_normalized_adjacency_is_its_own_type_and_keeps_it() -> None:
    edge_index, weight, n = _graph(weighted=True)
    adj = normalized_adjacency(edge_index, weight, n)
    assert isinstance(adj, NormalizedAdjacency) and isinstance(adj, SparseMatrix)
    assert isinstance(adj.to("cpu"), NormalizedAdjacency)
    assert isinstance(adj.to("cpu", torch.float64), NormalizedAdjacency)
    assert isinstance(adj.with_values(adj.values * 2), NormalizedAdjacency)
    assert isinstance(adj.dropout(0.5), NormalizedAdjacency)


def test_plain_sparse_matrix_is_refused_when_normalizing_and_used_as_is_otherwise() -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).coalesce()
    plain = SparseMatrix.from_tensor(adj_t)
    with pytest.raises(TypeError, match="cannot tell whether a plain SparseMatrix is normalized"):
        GCNConv(5, 3)(x, plain)
    ours, theirs = _pair(dict(normalize=False, add_self_loops=False))
    torch.testing.assert_close(ours(x, plain), theirs(x, adj_t), atol=1e-5, rtol=1e-5)
    # the fix the message names: wrapping says "normalized already", so it is used as it is
    wrapped = NormalizedAdjacency(plain.mat, plain.t, plain.perm)
    torch.testing.assert_close(ours(x, wrapped), theirs(x, adj_t), atol=1e-5, rtol=1e-5)


def test_edge_weight_beside_a_matrix_is_refused() -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    adj = normalized_adjacency(edge_index, weight, n)
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n)).coalesce()
    for matrix in (adj, adj_t):
        with pytest.raises(ValueError, match="edge_weight goes with an edge_index"):
            GCNConv(5, 3)(x, matrix, weight)


def test_operator_of_the_wrong_size_is_refused() -> None:
    edge_index, _, n = _graph(weighted=False)
    adj = normalized_adjacency(edge_index, num_nodes=n + 1)
    with pytest.raises(ValueError, match=r"adjacency is \(8, 8\) but the features have 7 nodes"):
        GCNConv(5, 3)(torch.randn(n, 5), adj)


@pytest.mark.parametrize(
    ("options", "edge_weight_grad", "fused"),
    [
        (dict(), False, False),
        (dict(cached=True), False, True),
        (dict(cached=True), True, False),  # learned weights change every step: no cache
        (dict(cached=True, normalize=False, add_self_loops=False), False, False),
    ],
)
def test_path_rule(options: dict, edge_weight_grad: bool, fused: bool) -> None:
    edge_index, weight, n = _graph(weighted=True)
    conv = GCNConv(5, 3, **options)
    weight.requires_grad_(edge_weight_grad)
    assert conv._fused(edge_index, weight) is fused
    conv(torch.randn(n, 5), edge_index, weight)
    assert (conv._cached_adj is not None) is fused
    for matrix in (normalized_adjacency(edge_index, num_nodes=n), edge_index.to_sparse()):
        assert conv._fused(matrix, None)


# -- bad node ids (issue 14): one error on every path, checked once per graph build --------------

PATHS = {
    "message passing": dict(),
    "cached CSR": dict(cached=True),
    "unnormalized": dict(normalize=False, add_self_loops=False),
    "operator": None,  # normalized_adjacency, then the layer
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("bad", [-1, 7, 100])
def test_bad_node_id_is_the_same_error_on_every_path(path: str, bad: int) -> None:
    edge_index, weight, n = _graph(weighted=True)
    edge_index[1, 4] = bad
    x = torch.randn(n, 5)
    expected = rf"edge_index\[1, 4\] is {bad}, outside \[0, 7\) for 7 nodes"
    if bad < 0:
        expected += r" \(negative ids are not counted from the end\)"
    with pytest.raises(IndexError, match=expected):
        if PATHS[path] is None:
            GCNConv(5, 3)(x, normalized_adjacency(edge_index, weight, n))
        else:
            GCNConv(5, 3, **PATHS[path])(x, edge_index, weight)


def test_ids_are_checked_once_per_graph_build(monkeypatch: pytest.MonkeyPatch) -> None:
    import gcnlab.nn.gcn_conv
    import gcnlab.nn.norm
    import gcnlab.nn.sparse

    calls = []
    real = gcnlab.nn.sparse.check_ids

    def counting(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
        calls.append(args[2])
        real(*args, **kwargs)

    for module in (gcnlab.nn.gcn_conv, gcnlab.nn.norm, gcnlab.nn.sparse):
        monkeypatch.setattr(module, "check_ids", counting)
    edge_index, _, n = _graph(weighted=False)
    conv = GCNConv(5, 3, cached=True)
    conv(torch.randn(n, 5), edge_index)
    built = len(calls)
    assert "edge_index" in calls
    for _ in range(3):  # epochs: the cached operator is reused, nothing is checked again
        conv(torch.randn(n, 5), edge_index)
    assert len(calls) == built


def test_sparse_matrix_refuses_coordinates_outside_its_size() -> None:
    with pytest.raises(IndexError, match=r"row\[1\] is -1, outside \[0, 3\) for 3 rows"):
        SparseMatrix.from_coo(torch.tensor([0, -1]), torch.tensor([0, 1]), torch.ones(2), (3, 3))
    with pytest.raises(IndexError, match=r"col\[0\] is 4, outside \[0, 4\) for 4 columns"):
        SparseMatrix.from_coo(torch.tensor([0, 1]), torch.tensor([4, 1]), torch.ones(2), (3, 4))


# -- half precision and batches (issue 14) -------------------------------------------------------

HALF_TOLERANCE = {torch.float16: 1e-2, torch.bfloat16: 4e-2}


@pytest.mark.parametrize("dtype", list(HALF_TOLERANCE), ids=str)
@pytest.mark.parametrize("cached", [False, True])
def test_half_precision_matches_pyg(dtype: torch.dtype, cached: bool) -> None:
    """The CPU CSR kernel has no half types: the fused path computes in float32 and casts."""
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(n, 5)
    ours, theirs = _pair(dict(cached=cached))
    exact = ours(x, edge_index, weight)  # float32
    ours, theirs = ours.to(dtype), theirs.to(dtype)
    tol = HALF_TOLERANCE[dtype]
    for _ in range(2):
        out = ours(x.to(dtype), edge_index, weight.to(dtype))
        assert out.dtype == dtype
        expected = theirs(x.to(dtype), edge_index, weight.to(dtype))
        torch.testing.assert_close(out, expected, atol=tol, rtol=tol)
        torch.testing.assert_close(out.float(), exact, atol=tol, rtol=tol)
    if cached:
        assert ours._cached_adj.values.dtype == torch.float32


def test_half_precision_sparse_features_and_operator() -> None:
    edge_index, _, n = _graph(weighted=False)
    x = torch.randn(n, 5) * (torch.rand(n, 5) < 0.5)
    conv = GCNConv(5, 3)
    exact = conv(x, edge_index)
    conv = conv.half()
    adj = normalized_adjacency(edge_index, num_nodes=n, dtype=torch.float16)
    out = conv(SparseMatrix.from_tensor(x.half()), adj)
    assert out.dtype == torch.float16
    torch.testing.assert_close(out.float(), exact, atol=1e-2, rtol=1e-2)


@pytest.mark.parametrize("path", ["message passing", "cached", "operator"])
def test_batched_features_broadcast_as_in_pyg(path: str) -> None:
    edge_index, weight, n = _graph(weighted=True)
    x = torch.randn(4, n, 5)  # [B, N, F]
    ours, theirs = _pair(dict(cached=path == "cached"))
    expected = theirs(x, edge_index, weight)
    if path == "operator":
        out = ours(x, normalized_adjacency(edge_index, weight, n))
    else:
        out = ours(x, edge_index, weight)
        out = ours(x, edge_index, weight)
    assert out.shape == (4, n, 3)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    for b in range(4):  # each batch element alone gives the same rows
        torch.testing.assert_close(out[b], ours(x[b], edge_index, weight), atol=1e-5, rtol=1e-5)


def _dense_gcn(x: torch.Tensor, edge_index: torch.Tensor, conv: GCNConv) -> torch.Tensor:
    """The formula: D^-1/2 (A + I) D^-1/2 X W^T + b, from a dense adjacency."""
    n = x.size(0)
    a = torch.zeros(n, n, dtype=x.dtype)
    a.index_put_((edge_index[1], edge_index[0]), torch.ones(edge_index.size(1), dtype=x.dtype),
                 accumulate=True)
    a = a + torch.eye(n, dtype=x.dtype)
    d = a.sum(1).pow(-0.5)
    out = d[:, None] * a * d[None, :] @ (x @ conv.lin.weight.t())
    return out if conv.bias is None else out + conv.bias


def test_cache_is_kept_for_the_graph_it_was_built_from(monkeypatch: pytest.MonkeyPatch) -> None:
    import gcnlab.nn.gcn_conv as module

    built = []
    real = module.normalized_adjacency
    monkeypatch.setattr(
        module, "normalized_adjacency", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    conv = GCNConv(5, 3, cached=True)
    x, edge_index = torch.randn(6, 5), torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    first = conv(x, edge_index)
    assert torch.equal(conv(x, edge_index), first) and len(built) == 1  # the cache serves
    copy = edge_index.clone()  # equal values, another tensor: normalized anew, same numbers
    assert torch.allclose(conv(x, copy), first) and len(built) == 2


def test_cache_is_rebuilt_for_another_graph() -> None:
    """A cached layer called on a second graph (of another size, or of the same size, or the
    same tensor edited in place) computes that graph's propagation, never the first's Â."""
    torch.manual_seed(0)
    conv = GCNConv(5, 3, cached=True)
    x1, e1 = torch.randn(6, 5), torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    conv(x1, e1)
    x2, e2 = torch.randn(4, 5), torch.tensor([[0, 1, 2], [1, 2, 3]])  # another size
    assert torch.allclose(conv(x2, e2), _dense_gcn(x2, e2, conv), atol=1e-6)
    e3 = torch.tensor([[0, 0, 0, 0, 0], [1, 2, 3, 4, 5]])  # same size, another graph (a star)
    assert torch.allclose(conv(x1, e3), _dense_gcn(x1, e3, conv), atol=1e-6)
    e3[0, 4] = 1  # edited in place: 1 -> 5 instead of 0 -> 5
    assert torch.allclose(conv(x1, e3), _dense_gcn(x1, e3, conv), atol=1e-6)
