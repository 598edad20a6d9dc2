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
    model = GCN(6, 3, hidden_channels=5).eval()
    a = normalized_adjacency(edge_index, num_nodes=4).to_dense()
    w0, w1 = model.conv1.lin.weight, model.conv2.lin.weight
    expected = a @ torch.relu(a @ x @ w0.t()) @ w1.t()  # no bias, as in the paper
    torch.testing.assert_close(model(x, edge_index), expected)


def test_sparse_and_dense_features_agree() -> None:
    x, edge_index = _graph()
    model = GCN(6, 3).eval()
    dense = model(x, edge_index)
    torch.testing.assert_close(model(SparseMatrix.from_tensor(x), edge_index), dense)
    torch.testing.assert_close(model(x.to_sparse(), edge_index), dense)


def test_paper_defaults() -> None:
    model = GCN(1433, 7)
    assert model.conv1.out_channels == 16 and model.dropout == 0.5
    assert model.conv1.bias is None and model.conv2.bias is None
    assert model.conv1.cached and model.conv2.cached
    assert "GCN(1433, 16, 7" in repr(model)


def test_dropout_only_in_training_mode() -> None:
    x, edge_index = _graph()
    model = GCN(6, 3)
    model.eval()
    assert torch.equal(model(x, edge_index), model(x, edge_index))
    model.train()
    torch.manual_seed(1)
    a = model(x, edge_index)
    torch.manual_seed(2)
    assert not torch.equal(a, model(x, edge_index))


def test_bad_dropout_is_refused() -> None:
    with pytest.raises(ValueError, match="dropout"):
        GCN(3, 2, dropout=1.0)
