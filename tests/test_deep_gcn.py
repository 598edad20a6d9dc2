"""PropagationGCN: the paper's model with any Table 3 propagation and any depth."""

from __future__ import annotations

import pytest
import torch

from gcnlab import GCN, PropagationGCN, SparseMatrix
from gcnlab.nn.propagation import Propagation


def _graph() -> tuple[torch.Tensor, torch.Tensor, int]:
    torch.manual_seed(0)
    pairs = torch.tensor([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [4, 5], [5, 6], [6, 7]]).t()
    edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
    x = torch.rand(9, 6)  # node 8 isolated
    x[x < 0.5] = 0
    return x, edge_index, 9


def test_two_layer_renormalization_is_the_gcn() -> None:
    x, edge_index, _ = _graph()
    gcn = GCN(6, 4, 3).eval()
    model = PropagationGCN(6, 4, 3, "renormalization").eval()
    model.convs[0].load_state_dict(gcn.conv1.state_dict())
    model.convs[1].load_state_dict(gcn.conv2.state_dict())
    torch.testing.assert_close(model(x, edge_index), gcn(x, edge_index))


@pytest.mark.parametrize("propagation", list(Propagation))
@pytest.mark.parametrize("residual", [False, True])
def test_forward_composes_its_layers(propagation: Propagation, residual: bool) -> None:
    x, edge_index, _ = _graph()
    model = PropagationGCN(6, 4, 3, propagation, num_layers=4, residual=residual).eval()
    c0, c1, c2, c3 = model.convs
    h1 = c0(x, edge_index).relu()
    h2 = c1(h1, edge_index).relu() + (h1 if residual else 0)
    h3 = c2(h2, edge_index).relu() + (h2 if residual else 0)
    expected = c3(h3, edge_index)
    torch.testing.assert_close(model(x, edge_index), expected)
    hidden = model.hidden(x, edge_index)
    assert [tuple(h.shape) for h in hidden] == [(9, 4), (9, 4), (9, 4), (9, 3)]
    torch.testing.assert_close(hidden[1], h2)
    # sparse features and a prebuilt operator give the same numbers
    op = model.operator(edge_index, num_nodes=9)
    torch.testing.assert_close(model(SparseMatrix.from_tensor(x), op), expected)


def test_one_layer_is_a_single_propagation() -> None:
    x, edge_index, _ = _graph()
    model = PropagationGCN(6, 4, 3, "chebyshev-2", num_layers=1).eval()
    assert model.num_layers == 1 and model.convs[0].out_channels == 3
    torch.testing.assert_close(model(x, edge_index), model.convs[0](x, edge_index))


def test_dropout_before_the_first_and_last_layer_only() -> None:
    x, edge_index, _ = _graph()
    x = x + 1.0  # no zeros: every dropped entry changes the output
    model = PropagationGCN(6, 4, 3, "mlp", num_layers=3, dropout=0.5)
    seen: list[torch.Tensor] = []
    for conv in model.convs:
        conv.register_forward_pre_hook(lambda _, args: seen.append(args[0].clone()))
    torch.manual_seed(0)
    model.train()(x, edge_index)
    first, middle, last = seen
    assert (first == 0).any() and (last == 0).float().mean() > 0.2
    # the middle layer reads the first layer's ReLU output undropped
    torch.testing.assert_close(middle, model.convs[0](first).relu())
    seen.clear()
    model.eval()(x, edge_index)
    torch.testing.assert_close(seen[0], x)


def test_operator_is_cached_and_mlp_needs_no_graph() -> None:
    x, edge_index, _ = _graph()
    model = PropagationGCN(6, 4, 3, "first-order").eval()
    out = model(x, edge_index)
    torch.testing.assert_close(model(x, edge_index[:, :2]), out)  # cached: the first graph
    model.reset_parameters()
    assert model._cached_op is None
    mlp = PropagationGCN(6, 4, 3, "mlp").eval()
    torch.testing.assert_close(mlp(x, None), mlp(x, edge_index))


def test_errors_and_repr() -> None:
    with pytest.raises(ValueError, match="num_layers must be at least 1"):
        PropagationGCN(6, 4, 3, num_layers=0)
    with pytest.raises(ValueError, match="dropout must be in"):
        PropagationGCN(6, 4, 3, dropout=1.0)
    with pytest.raises(ValueError, match="needs edge_index"):
        PropagationGCN(6, 4, 3, "single-parameter")(torch.ones(2, 6), None)
    assert repr(PropagationGCN(6, 4, 3, "mlp", num_layers=3, residual=True)) == (
        "PropagationGCN(6, 4, 3, propagation=mlp, num_layers=3, residual=True, dropout=0.5)"
    )
