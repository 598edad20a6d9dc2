"""The karate club as Kipf showed it: communities, the 2-D GCN against the dense formula, and
the semi-supervised task on the one loop."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from torch_geometric.datasets import KarateClub
from torch_geometric.utils import to_dense_adj

from gcnlab.community.methods import kmeans
from gcnlab.community.scores import cluster_scores
from gcnlab.data.karate import COMMUNITIES, read_karate_communities
from gcnlab.errors import UsageError
from gcnlab.nn.embedder import GCNEmbedder
from gcnlab.tasks.karate import KarateConfig, train_karate
from gcnlab.utils.runtime import seed_everything


def test_both_community_definitions() -> None:
    factions = read_karate_communities("factions")
    graph = nx.karate_club_graph()
    assert factions.y.tolist() == [int(graph.nodes[i]["club"] != "Mr. Hi") for i in range(34)]
    communities = read_karate_communities("communities")
    pyg = KarateClub()[0]
    assert torch.equal(communities.y, pyg.y)
    assert torch.equal(communities.train_mask, pyg.train_mask)  # PyG's labelled members
    for name, data in (("factions", factions), ("communities", communities)):
        labelled = list(COMMUNITIES[name].labelled)
        assert data.train_mask.nonzero().flatten().tolist() == sorted(labelled)
        # one labelled member per community, listed in community order
        assert data.y[labelled].tolist() == list(range(data.num_classes))
        assert torch.equal(data.test_mask, ~data.train_mask)
        assert data.edge_index.size(1) == 156 and torch.equal(data.x, torch.eye(34))
    with pytest.raises(ValueError, match="unknown karate communities 'clubs'"):
        read_karate_communities("clubs")


def test_embedder_equals_the_dense_formula() -> None:
    data = read_karate_communities("communities")
    torch.manual_seed(0)
    model = GCNEmbedder(34, 4)
    logits, h = model(data.x, data.edge_index)
    a = to_dense_adj(data.edge_index)[0] + torch.eye(34)
    d = a.sum(1).pow(-0.5)
    a_norm = d[:, None] * a * d[None, :]
    expected = data.x
    for conv in model.convs:
        expected = torch.tanh(a_norm @ expected @ conv.lin.weight.t() + conv.bias)
    torch.testing.assert_close(h, expected)
    torch.testing.assert_close(logits, model.classifier(expected))
    assert h.shape == (34, 2) and logits.shape == (34, 4)
    assert repr(model) == "GCNEmbedder(34 -> 4 -> 4 -> 2, classes=4)"


def test_semi_supervised_task_on_the_loop() -> None:
    result = train_karate(KarateConfig(communities="factions", epochs=100, runs=2))
    assert result.task == "karate" and result.num_classes == 2 and result.labelled == [0, 33]
    # trained from the two leaders alone, the GCN places 31 of the 32 other members
    assert result.acc == pytest.approx([31 / 32, 31 / 32])
    assert result.best_epoch == [100, 100]  # the last epoch: nothing to validate on
    assert result.acc == [h[-1].test_acc for h in result.history]
    # frames: run 1's embedding before training and after every epoch
    assert len(result.frames) == 101 and result.frames[0].shape == (34, 2)
    seed_everything(0)
    fresh = GCNEmbedder(34, 2)
    data = read_karate_communities("factions")
    with torch.no_grad():
        untrained = fresh(data.x, data.edge_index)[1]
    torch.testing.assert_close(result.frames[0], untrained)
    clusters = kmeans(untrained, 2, restarts=10, seed=0)
    assert result.untrained_acc[0] == cluster_scores(data.y, clusters).acc


def test_bad_communities() -> None:
    with pytest.raises(UsageError, match="communities must be one of factions, communities"):
        train_karate(KarateConfig(communities="clubs"))
