"""The paper's two-layer GCN."""

from __future__ import annotations

import pytest
import torch

from gcnlab import GCN, SparseMatrix, normalized_adjacency


def _graph():
    torch.manual_seed(0)
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    x = (torch.rand(4, 6) < 0.5).float()
    return x, edge_index


def test_forward_is_the_formula_in_eval_mode() -> None:
    x, edge_index = _graph()
    model = GCN(6, 5, 3).eval()
    a = normalized_adjacency(edge_index, num_nodes=4).to_dense()
    w0, w1 = model.conv1.lin.weight, model.conv2.lin.weight
    expected = a @ torch.relu(a @ x @ w0.t()) @ w1.t()  # no bias, as in the paper
    torch.testing.assert_close(model(x, edge_index), expected)


def test_sparse_and_dense_features_agree() -> None:
    x, edge_index = _graph()
    model = GCN(6, 16, 3).eval()
    dense = model(x, edge_index)
    torch.testing.assert_close(model(SparseMatrix.from_tensor(x), edge_index), dense)
    torch.testing.assert_close(model(x.to_sparse(), edge_index), dense)


def test_paper_defaults() -> None:
    model = GCN(1433, 16, 7)
    assert model.conv1.out_channels == 16 and model.dropout == 0.5
    assert model.conv1.bias is None and model.conv2.bias is None
    assert model.conv1.cached and model.conv2.cached
    assert "GCN(1433, 16, 7" in repr(model)


def test_dropout_only_in_training_mode() -> None:
    x, edge_index = _graph()
    model = GCN(6, 16, 3)
    model.eval()
    assert torch.equal(model(x, edge_index), model(x, edge_index))
    model.train()
    torch.manual_seed(1)
    a = model(x, edge_index)
    torch.manual_seed(2)
    assert not torch.equal(a, model(x, edge_index))


def test_bad_dropout_is_refused() -> None:
    with pytest.raises(ValueError, match="dropout"):
        GCN(3, 16, 2, dropout=1.0)


def test_argument_order_is_pygs_and_the_old_call_is_refused() -> None:
    model = GCN(1433, 32, 7)  # in, hidden, out, as torch_geometric.nn.models.GCN
    assert (model.conv1.in_channels, model.conv1.out_channels) == (1433, 32)
    assert (model.conv2.in_channels, model.conv2.out_channels) == (32, 7)
    keywords = GCN(in_channels=1433, out_channels=7, hidden_channels=32)
    assert repr(keywords) == repr(model) == "GCN(1433, 32, 7, dropout=0.5)"
    # two sizes cannot build a model: no default hidden width makes 7 the hidden layer
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'out_channels'"):
        GCN(1433, 7)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'hidden_chan"):
        GCN(1433, out_channels=7)
    with pytest.raises(TypeError, match="multiple values for argument 'hidden_channels'"):
        GCN(1433, 7, hidden_channels=16)


def test_state_dict_of_the_old_model_loads() -> None:
    """A 0.1 GCN(6, 3) (hidden 16) saved conv1/conv2 with these names and shapes."""
    x, edge_index = _graph()
    torch.manual_seed(3)
    old = {"conv1.lin.weight": torch.randn(16, 6), "conv2.lin.weight": torch.randn(3, 16)}
    model = GCN(6, 16, 3)
    model.load_state_dict(old)
    model.eval()
    a = normalized_adjacency(edge_index, num_nodes=4).to_dense()
    expected = a @ torch.relu(a @ x @ old["conv1.lin.weight"].t()) @ old["conv2.lin.weight"].t()
    torch.testing.assert_close(model(x, edge_index), expected)


def test_takes_a_normalized_adjacency() -> None:
    x, edge_index = _graph()
    model = GCN(6, 5, 3).eval()
    adj = normalized_adjacency(edge_index, num_nodes=4)
    torch.testing.assert_close(model(x, adj), model(x, edge_index))


def test_a_trained_model_scores_another_graph() -> None:
    """The README's pattern, scoring new data with a model trained (and cached) on one graph:
    a graph of another size, then one of the same size, each normalized anew."""
    from gcnlab import GCN

    torch.manual_seed(0)
    model = GCN(8, 16, 3, dropout=0.0).eval()
    fresh = GCN(8, 16, 3, dropout=0.0, cached=False).eval()
    fresh.load_state_dict(model.state_dict())
    x1, e1 = torch.randn(10, 8), torch.randint(0, 10, (2, 30))
    x2, e2 = torch.randn(7, 8), torch.randint(0, 7, (2, 20))
    e3 = torch.randint(0, 10, (2, 30))
    for x, edge_index in ((x1, e1), (x2, e2), (x1, e3), (x1, e1)):
        assert torch.allclose(model(x, edge_index), fresh(x, edge_index), atol=1e-6)
