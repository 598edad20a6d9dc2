"""The GCN family's node classifiers (gcnlab/nn/family_models.py)."""

from __future__ import annotations

import torch

from gcnlab.nn.family_models import GCNII, SGC, APPNPNet
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix


def _graph() -> tuple[torch.Tensor, torch.Tensor]:
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])  # a path of 4 nodes
    return torch.rand(4, 5), normalized_adjacency(edge_index, num_nodes=4)


def test_sgc_is_logistic_regression_on_p_k_x() -> None:
    torch.manual_seed(0)
    x, adj = _graph()
    model = SGC(5, 3, K=2)
    dense = adj.to_dense()
    expected = (dense @ dense @ x) @ model.conv.lin.weight.t() + model.conv.lin.bias
    assert torch.allclose(model(x, adj), expected, atol=1e-6)
    assert torch.allclose(model.embed(x, adj), dense @ dense @ x, atol=1e-6)
    (group,) = model.param_groups(1e-5, None)
    assert group["weight_decay"] == 1e-5 and len(group["params"]) == 2  # weight and bias


def test_appnp_net_propagates_the_mlp_predictions() -> None:
    torch.manual_seed(0)
    x, adj = _graph()
    model = APPNPNet(5, 8, 3, K=10, alpha=0.1).eval()
    h = model.lin2(model.lin1(x).relu())  # [4, 3]
    dense, z = adj.to_dense(), h
    for _ in range(10):
        z = 0.9 * dense @ z + 0.1 * h
    assert torch.allclose(model(x, adj), z, atol=1e-5)
    first, rest = model.param_groups(5e-3, None)
    assert first["weight_decay"] == 5e-3 and rest["weight_decay"] == 0.0
    # sparse features give the dense features' output
    assert torch.allclose(model(SparseMatrix.from_tensor(x.to_sparse_csr()), adj), z, atol=1e-5)


def test_gcnii_layers_and_weight_decays() -> None:
    torch.manual_seed(0)
    x, adj = _graph()
    model = GCNII(5, 8, 3, num_layers=4, alpha=0.1, theta=0.5, dropout=0.6)
    assert len(model.convs) == 4 and model(x, adj).shape == (4, 3)
    assert model.embed(x, adj).shape == (4, 8)
    # the official code's initialization of the convolutions: uniform in ±1/sqrt(hidden)
    assert all(c.weight1.abs().max() <= 8**-0.5 for c in model.convs)
    convs, dense = model.param_groups(5e-4, 0.01)
    assert convs["weight_decay"] == 0.01 and len(convs["params"]) == 4
    assert dense["weight_decay"] == 5e-4 and len(dense["params"]) == 4  # two Linear layers
    model.eval()
    assert torch.equal(model(x, adj), model(x, adj))  # no dropout in eval mode


def test_a_config_recorded_before_the_model_field_is_the_gcn() -> None:
    import dataclasses

    from gcnlab.io.checkpoint import config_as
    from gcnlab.tasks.node_config import NodeConfig

    new = ("model", "k", "alpha", "theta", "conv_weight_decay")
    old = {k: v for k, v in dataclasses.asdict(NodeConfig()).items() if k not in new}
    config = config_as(NodeConfig, old, "old.pt", "0.1.0")
    assert config.model == "gcn" and config.is_paper_gcn
    config.validate()


def test_appnp_stops_when_neither_accuracy_nor_loss_improves() -> None:
    from gcnlab.tasks.node import AccuracyOrLoss, ClassifierStats

    rule, history = AccuracyOrLoss(2), []
    # (val_acc, val_loss) per epoch: both improve up to epoch 2, the loss alone at epoch 4
    for epoch, (acc, loss) in enumerate(
        [(0.5, 1.0), (0.6, 0.9), (0.6, 0.95), (0.5, 0.8), (0.6, 0.85), (0.6, 0.9)], start=1
    ):
        history.append(ClassifierStats(0, epoch, 0.0, 0.0, loss, acc, 0.0))
        stop = rule.should_stop(history, history[0])
        assert stop == (epoch == 6), epoch
    rule.should_stop(history[:1], history[0])  # a new run starts afresh
    assert rule._best[2] == 1


def test_sgc_on_some_rows_is_those_rows_of_the_whole() -> None:
    torch.manual_seed(0)
    x, adj = _graph()
    model = SGC(5, 3, K=2)
    rows = torch.tensor([3, 1])
    assert torch.allclose(model(x, adj, rows=rows), model(x, adj)[rows], atol=1e-6)
