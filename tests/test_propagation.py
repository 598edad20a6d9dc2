"""The Table 3 propagation layers against their dense formulas and PyG's ChebConv."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import ChebConv

from gcnlab import GCNConv, SparseMatrix, normalized_adjacency
from gcnlab.nn.propagation import (
    Propagation,
    largest_eigenvalue,
    propagation_operator,
    scaled_laplacian,
    sym_adjacency,
)
from gcnlab.nn.propagation_conv import (
    ChebyshevConv,
    Dense,
    FirstOrderConv,
    FirstOrderTermConv,
    SingleParameterConv,
    propagation_conv,
)


def _graph(weighted: bool) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Directed edges, a self-loop (node 3), a duplicate edge, isolated node 6."""
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 3, 0, 4, 5, 0], [1, 0, 2, 1, 3, 0, 3, 2, 4, 1]])
    weight = torch.linspace(0.2, 2.0, edge_index.size(1), dtype=torch.double) if weighted else None
    return edge_index, weight, 7


def _undirected(weighted: bool) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """A symmetric graph without self-loops (PyG's Laplacian drops them), node 6 isolated."""
    pairs = torch.tensor([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [4, 5]]).t()
    edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
    weight = None
    if weighted:
        w = torch.tensor([0.5, 1.0, 1.5, 2.0, 0.3, 0.7], dtype=torch.double)
        weight = torch.cat([w, w])
    return edge_index, weight, 7


def _dense_sym(edge_index, weight, n) -> torch.Tensor:
    """D^-1/2 A D^-1/2 with A[target, source] and degrees summed over incoming edges."""
    a = torch.zeros(n, n, dtype=torch.double)
    w = torch.ones(edge_index.size(1), dtype=torch.double) if weight is None else weight
    a.index_put_((edge_index[1], edge_index[0]), w, accumulate=True)
    d = a.sum(dim=1).pow(-0.5)
    d[torch.isinf(d)] = 0
    return d[:, None] * a * d[None, :]


def _dense_chebyshev(x, a_sym, weights, lambda_max=2.0) -> torch.Tensor:
    """sum_k T_k(L~) X Θ_k with the polynomials built as dense matrices."""
    n = a_sym.size(0)
    eye = torch.eye(n, dtype=torch.double)
    lap = 2.0 / lambda_max * (eye - a_sym) - eye
    polys = [eye, lap]
    while len(polys) < len(weights):
        polys.append(2 * lap @ polys[-1] - polys[-2])
    return sum(t @ x @ w.t() for t, w in zip(polys, weights, strict=False))


def _x(n: int = 7, f: int = 5) -> torch.Tensor:
    torch.manual_seed(1)
    x = torch.randn(n, f, dtype=torch.double)
    x[x.abs() < 0.5] = 0  # some zeros, so the sparse paths have something to skip
    return x


def _weights(layer) -> list[torch.Tensor]:
    return [lin.weight.detach() for lin in layer.lins]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("K", [0, 1, 2, 3])
def test_chebyshev_is_the_dense_formula(K: int, weighted: bool) -> None:
    edge_index, weight, n = _graph(weighted)
    x = _x()
    conv = ChebyshevConv(5, 3, K).double()
    expected = _dense_chebyshev(x, _dense_sym(edge_index, weight, n), _weights(conv))
    torch.testing.assert_close(conv(x, edge_index, weight), expected)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("K", [0, 1, 2, 3])
def test_chebyshev_matches_pyg_chebconv(K: int, weighted: bool) -> None:
    edge_index, weight, n = _undirected(weighted)
    x = _x()
    ours = ChebyshevConv(5, 3, K, bias=True).double()
    theirs = ChebConv(5, 3, K=K + 1, normalization="sym").double()  # PyG's K counts the terms
    with torch.no_grad():
        ours.bias.uniform_(-1, 1)
    theirs.load_state_dict(ours.state_dict())  # same names: lins.k.weight, bias
    torch.testing.assert_close(ours(x, edge_index, weight), theirs(x, edge_index, weight))
    # and the gradients with respect to every weight
    ours(x, edge_index, weight).square().sum().backward()
    theirs(x, edge_index, weight).square().sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


def test_lambda_max_none_computes_it_as_the_papers_code() -> None:
    # A triangle is not bipartite: the normalized Laplacian's eigenvalues are 0, 1.5, 1.5.
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 0], [1, 0, 2, 1, 0, 2]])
    a_sym = sym_adjacency(edge_index, num_nodes=3, dtype=torch.double)
    assert largest_eigenvalue(a_sym) == pytest.approx(1.5)
    x = _x(3, 4)
    conv = ChebyshevConv(4, 2, 2, lambda_max=None).double()
    expected = _dense_chebyshev(x, a_sym.to_dense(), _weights(conv), lambda_max=1.5)
    torch.testing.assert_close(conv(x, edge_index), expected)
    # with a bipartite component (an edge) it is 2, the default
    bigger = torch.cat([edge_index, torch.tensor([[3, 4], [4, 3]])], dim=1)
    on_five = sym_adjacency(bigger, num_nodes=5, dtype=torch.double)
    assert largest_eigenvalue(on_five) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="lambda_max must be positive"):
        scaled_laplacian(edge_index, num_nodes=3, lambda_max=0.0)


@pytest.mark.parametrize("weighted", [False, True])
def test_first_order_single_parameter_and_term_only_are_their_formulas(weighted: bool) -> None:
    edge_index, weight, n = _graph(weighted)
    x = _x()
    a = _dense_sym(edge_index, weight, n)
    first = FirstOrderConv(5, 3).double()
    w0, w1 = _weights(first)
    torch.testing.assert_close(first(x, edge_index, weight), x @ w0.t() + a @ x @ w1.t())
    single = SingleParameterConv(5, 3).double()
    (w,) = _weights(single)
    expected = (torch.eye(n, dtype=torch.double) + a) @ x @ w.t()
    torch.testing.assert_close(single(x, edge_index, weight), expected)
    term = FirstOrderTermConv(5, 3).double()
    (w,) = _weights(term)
    torch.testing.assert_close(term(x, edge_index, weight), a @ x @ w.t())
    dense = Dense(5, 3).double()
    (w,) = _weights(dense)
    torch.testing.assert_close(dense(x, edge_index, weight), x @ w.t())
    torch.testing.assert_close(dense(x), x @ w.t())  # the graph is optional


def test_first_order_is_chebyshev_k1_with_theta1_negated() -> None:
    # T_1(L~) = L~ = -D^-1/2 A D^-1/2 when lambda_max = 2
    edge_index, weight, _ = _undirected(True)
    x = _x()
    first = FirstOrderConv(5, 3).double()
    cheb = ChebyshevConv(5, 3, 1).double()
    with torch.no_grad():
        cheb.lins[0].weight.copy_(first.lins[0].weight)
        cheb.lins[1].weight.copy_(-first.lins[1].weight)
    torch.testing.assert_close(first(x, edge_index, weight), cheb(x, edge_index, weight))


def test_first_order_term_is_gcnconv_without_self_loops() -> None:
    edge_index, weight, _ = _graph(True)
    x = _x().float()
    ours = FirstOrderTermConv(5, 3)
    gcn = GCNConv(5, 3, add_self_loops=False, bias=False)
    with torch.no_grad():
        gcn.lin.weight.copy_(ours.lins[0].weight)
    torch.testing.assert_close(
        ours(x, edge_index, weight.float()), gcn(x, edge_index, weight.float())
    )


@pytest.mark.parametrize("propagation", list(Propagation))
@pytest.mark.parametrize("kind", ["sparse-matrix", "torch-sparse", "operator", "cached"])
def test_every_input_kind_gives_the_same_numbers(propagation: Propagation, kind: str) -> None:
    edge_index, weight, n = _graph(True)
    x = _x()
    torch.manual_seed(0)
    conv = propagation_conv(propagation, 5, 3, bias=True).double()
    with torch.no_grad():
        conv.bias.uniform_(-1, 1)
    expected = conv(x, edge_index, weight)
    if kind == "sparse-matrix":
        out = conv(SparseMatrix.from_tensor(x), edge_index, weight)
    elif kind == "torch-sparse":
        out = conv(x.to_sparse(), edge_index, weight)
    elif kind == "operator":
        op = propagation_operator(propagation, edge_index, weight, n, dtype=torch.double)
        out = conv(x, op) if op is not None else conv(x)
    else:
        conv.cached = True
        conv(x, edge_index, weight)
        out = conv(x, edge_index, weight)  # from the cache
        # another graph is not served from the first one's cache
        fewer = conv(x, edge_index[:, :2], weight[:2])
        conv.cached = False
        torch.testing.assert_close(fewer, conv(x, edge_index[:, :2], weight[:2]))
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("propagation", list(Propagation))
def test_gradients_pass_the_gradcheck(propagation: Propagation) -> None:
    edge_index, weight, _ = _graph(True)
    conv = propagation_conv(propagation, 5, 3).double()
    op = propagation_operator(propagation, edge_index, weight, 7, dtype=torch.double)
    x = _x().requires_grad_()
    check = torch.autograd.gradcheck
    assert check(lambda x: conv(x, op) if op is not None else conv(x), (x,), fast_mode=True)


def test_torch_sparse_adjacency_is_the_edge_list() -> None:
    edge_index, weight, n = _graph(True)
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), weight, (n, n))  # rows are targets
    x = _x()
    conv = ChebyshevConv(5, 3, 2).double()
    torch.testing.assert_close(conv(x, adj_t), conv(x, edge_index, weight))
    torch.testing.assert_close(conv(x, adj_t.to_sparse_csr()), conv(x, edge_index, weight))


def test_errors_and_repr() -> None:
    with pytest.raises(ValueError, match="K must be >= 0"):
        ChebyshevConv(4, 2, -1)
    with pytest.raises(ValueError, match="must be positive"):
        FirstOrderConv(0, 2)
    with pytest.raises(ValueError, match="needs edge_index"):
        FirstOrderConv(4, 2)(torch.ones(3, 4))
    with pytest.raises(ValueError, match="'nope' is not a valid Propagation"):
        propagation_conv("nope", 4, 2)
    assert repr(ChebyshevConv(4, 2, 3)) == "ChebyshevConv(4, 2, K=3)"
    assert repr(SingleParameterConv(4, 2)) == "SingleParameterConv(4, 2)"
    assert isinstance(propagation_conv("renormalization", 4, 2), GCNConv)
    assert len(propagation_conv("chebyshev-2", 4, 2).lins) == 3


def test_the_seven_models_are_the_papers_rows() -> None:
    assert [p.label for p in Propagation] == [
        "Chebyshev filter, K = 3",
        "Chebyshev filter, K = 2",
        "1st-order model",
        "single parameter",
        "renormalization trick",
        "1st-order term only",
        "multi-layer perceptron",
    ]
    assert Propagation("mlp").formula == "X Θ"


def test_renormalization_equals_gcnconv_operator() -> None:
    edge_index, _, n = _graph(False)
    op = propagation_operator("renormalization", edge_index, num_nodes=n)
    torch.testing.assert_close(
        op.to_dense(), normalized_adjacency(edge_index, num_nodes=n).to_dense()
    )
    assert propagation_operator("mlp", edge_index, num_nodes=n) is None
