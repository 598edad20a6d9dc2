"""Property-based tests: GCNConv equals the dense formula on any small graph, and the validators
accept every well-formed graph and reject every malformed one."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gcnlab import GCNConv, normalized_adjacency
from gcnlab.data.validate import validate_graph
from gcnlab.errors import UsageError

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def weighted_graphs(draw: st.DrawFn) -> dict:
    """Up to 8 nodes and 24 directed edges: duplicates, self-loops (at most one per node, since
    which of two would count is unspecified), isolated nodes, weights that may be 0."""
    n = draw(st.integers(1, 8))
    node = st.integers(0, n - 1)
    pairs = draw(st.lists(st.tuples(node, node), max_size=24))
    seen_loops: set[int] = set()
    kept = []
    for s, t in pairs:
        if s == t:
            if s in seen_loops:
                continue
            seen_loops.add(s)
        kept.append((s, t))
    weighted = draw(st.booleans())
    weights = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.01, 5.0),
                            min_size=len(kept), max_size=len(kept))) if weighted else None
    return {
        "n": n,
        "edge_index": torch.tensor(kept, dtype=torch.long).reshape(-1, 2).t(),
        "edge_weight": None if weights is None else torch.tensor(weights, dtype=torch.float64),
        "in_channels": draw(st.integers(1, 4)),
        "out_channels": draw(st.integers(1, 4)),
        "improved": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }


def dense_gcn(x: torch.Tensor, edge_index: torch.Tensor, edge_weight: torch.Tensor | None,
              weight: torch.Tensor, bias: torch.Tensor, improved: bool) -> torch.Tensor:
    """D^-1/2 Â^T D^-1/2 X W^T + b with Â = A + λI, written with dense matrices.

    ``A[s, t]`` sums the weights of the edges s → t; a node's existing self-loop keeps its weight
    in place of λ (PyG's rule); ``d_i`` sums column ``i`` of Â (incoming edges); a node of degree
    0 gets coefficient 0.
    """
    n = x.size(0)
    w = torch.ones(edge_index.size(1), dtype=x.dtype) if edge_weight is None else edge_weight
    a = torch.zeros(n, n, dtype=x.dtype)
    diagonal = torch.full((n,), 2.0 if improved else 1.0, dtype=x.dtype)
    for (s, t), value in zip(edge_index.t().tolist(), w.tolist(), strict=True):
        if s == t:
            diagonal[s] = value
        else:
            a[s, t] += value
    a_hat = a + torch.diag(diagonal)
    deg = a_hat.sum(dim=0)
    d = torch.where(deg > 0, deg.clamp(min=1e-300).pow(-0.5), torch.zeros_like(deg))
    return d[:, None] * (a_hat.t() @ (d[:, None] * (x @ weight.t()))) + bias


@SETTINGS
@given(weighted_graphs(), st.sampled_from(["message passing", "cached", "operator"]))
def test_gcnconv_equals_the_dense_formula(g: dict, path: str) -> None:
    torch.manual_seed(g["seed"])
    conv = GCNConv(g["in_channels"], g["out_channels"], improved=g["improved"],
                   cached=path == "cached").double()
    torch.nn.init.uniform_(conv.bias, -1, 1)  # a zero bias would not be tested
    x = torch.randn(g["n"], g["in_channels"], dtype=torch.float64)
    edge_index, edge_weight = g["edge_index"], g["edge_weight"]
    if path == "operator":
        adj = normalized_adjacency(edge_index, edge_weight, g["n"], improved=g["improved"],
                                   dtype=torch.float64)
        out = conv(x, adj)
    else:
        out = conv(x, edge_index, edge_weight)
        if path == "cached":  # the second call reuses the cached operator
            out = conv(x, edge_index, edge_weight)
    expected = dense_gcn(x, edge_index, edge_weight, conv.lin.weight, conv.bias, g["improved"])
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-10)


# -- validators --------------------------------------------------------------------------------

@st.composite
def valid_graphs(draw: st.DrawFn) -> dict:
    """Well-formed graphs: 3-10 nodes, disjoint non-empty masks, labels valid on masked nodes."""
    n = draw(st.integers(3, 10))
    num_edges = draw(st.integers(0, 20))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node), min_size=num_edges, max_size=num_edges))
    features = draw(st.integers(1, 4))
    x = draw(st.lists(st.floats(-1e3, 1e3), min_size=n * features, max_size=n * features))
    num_classes = draw(st.integers(1, 4))
    # Nodes 0-2 of a permutation seed the three splits; the others go anywhere, or nowhere.
    order = draw(st.permutations(range(n)))
    split = [0, 1, 2] + draw(st.lists(st.integers(0, 3), min_size=n - 3, max_size=n - 3))
    labels = draw(st.lists(st.integers(0, num_classes - 1), min_size=n, max_size=n))
    assigned = {order[i]: split[i] for i in range(n)}
    masks = {name: torch.tensor([assigned[v] == k for v in range(n)])
             for k, name in enumerate(("train_mask", "val_mask", "test_mask"))}
    unlabelled = [v for v in range(n) if assigned[v] == 3]
    for v in draw(st.lists(st.sampled_from(unlabelled), max_size=2)) if unlabelled else []:
        labels[v] = -1  # allowed: nodes in no mask are never read
    weights = draw(st.none() | st.lists(st.floats(0.0, 10.0), min_size=num_edges,
                                        max_size=num_edges))
    return {
        "x": torch.tensor(x).reshape(n, features),
        "edge_index": torch.tensor(edges, dtype=torch.long).reshape(-1, 2).t(),
        "edge_weight": None if weights is None else torch.tensor(weights),
        "y": torch.tensor(labels),
        "masks": masks,
        "num_classes": num_classes,
    }


def _masked_node(g: dict, which: int) -> int:
    selected = torch.stack(list(g["masks"].values())).any(dim=0).nonzero().view(-1)
    return int(selected[which % selected.numel()])


def _with_edge(g: dict) -> dict:
    """``g`` with at least one edge (some corruptions need one to corrupt)."""
    if g["edge_index"].size(1) == 0:
        g["edge_index"] = torch.tensor([[0], [1]])
        g["edge_weight"] = None if g["edge_weight"] is None else torch.ones(1)
    return g


def _corrupt(g: dict, kind: str, at: int) -> dict:
    n = g["x"].size(0)
    if kind in ("id too high", "negative id", "negative weight", "NaN weight"):
        g = _with_edge(g)
    e = g["edge_index"].size(1)
    if kind == "id too high":
        g["edge_index"] = g["edge_index"].clone()
        g["edge_index"][at % 2, at % e] = n + at % 3
    elif kind == "negative id":
        g["edge_index"] = g["edge_index"].clone()
        g["edge_index"][at % 2, at % e] = -1 - at % 3
    elif kind == "float ids":
        g["edge_index"] = g["edge_index"].float()
    elif kind == "three rows":
        g["edge_index"] = torch.cat([g["edge_index"], g["edge_index"][:1]])
    elif kind in ("NaN feature", "inf feature"):
        g["x"] = g["x"].clone()
        bad = float("nan") if kind == "NaN feature" else -float("inf")
        g["x"].view(-1)[at % g["x"].numel()] = bad
    elif kind == "missing rows":
        g["x"] = g["x"][: n - 1 - at % (n - 1)]
    elif kind == "label too high":
        g["y"] = g["y"].clone()
        g["y"][_masked_node(g, at)] = g["num_classes"] + at % 3
    elif kind == "negative label":
        g["y"] = g["y"].clone()
        g["y"][_masked_node(g, at)] = -1 - at % 3
    elif kind == "empty mask":
        name = list(g["masks"])[at % 3]
        g["masks"] = {**g["masks"], name: torch.zeros(n, dtype=torch.bool)}
    elif kind == "overlap":
        first, second = list(g["masks"])[at % 3], list(g["masks"])[(at + 1) % 3]
        node = int(g["masks"][first].nonzero()[0, 0])
        g["masks"] = {**g["masks"], second: g["masks"][second].clone()}
        g["masks"][second][node] = True
    elif kind == "negative weight":
        weight = torch.rand(e) if g["edge_weight"] is None else g["edge_weight"].clone()
        weight[at % e] = -0.25 - at % 3
        g["edge_weight"] = weight
    elif kind == "NaN weight":
        weight = torch.rand(e) if g["edge_weight"] is None else g["edge_weight"].clone()
        weight[at % e] = float("nan")
        g["edge_weight"] = weight
    return g


CORRUPTIONS = ["id too high", "negative id", "float ids", "three rows", "NaN feature",
               "inf feature", "missing rows", "label too high", "negative label", "empty mask",
               "overlap", "negative weight", "NaN weight"]


@SETTINGS
@given(valid_graphs())
def test_every_well_formed_graph_is_accepted(g: dict) -> None:
    validate_graph(**g)


@SETTINGS
@given(valid_graphs(), st.sampled_from(CORRUPTIONS), st.integers(0, 1000))
def test_every_malformed_graph_is_rejected(g: dict, kind: str, at: int) -> None:
    bad = _corrupt(dict(g), kind, at)
    try:
        validate_graph(**bad)
    except UsageError as exc:
        assert isinstance(exc, ValueError) and str(exc)
    else:
        raise AssertionError(f"{kind!r} was accepted")
