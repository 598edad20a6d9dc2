"""Receptive fields: exact path counts on the grid, BFS distances and influence on graphs."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
import torch.nn.functional as F

from gcnlab import GCN
from gcnlab.nn.gcn_on_grid import gcn_filter
from gcnlab.nn.receptive_field import (
    conv_stack,
    effective_receptive_field,
    hop_distances,
    influence_by_hop,
    mass_radius,
    neighbourhood_sizes,
    square_mass,
    theoretical_size,
)


@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_all_ones_erf_is_the_path_count_on_the_whole_square(layers: int) -> None:
    x = torch.zeros(1, 1, 15, 15)
    erf = effective_receptive_field(conv_stack(layers, weights="ones"), x)
    side = theoretical_size(layers)
    assert side == 2 * layers + 1
    # non-zero exactly on the centred (2L+1)^2 square
    support = erf > 0
    rows, cols = support.nonzero().t()
    assert support.sum() == side**2
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (side, side)
    assert (rows.min().item(), cols.min().item()) == (7 - layers, 7 - layers)
    # the values: coefficients of (1 + x + x^2)^L in each direction (paths to the centre)
    line = torch.ones(1, 1, 1)
    for _ in range(layers):
        line = F.conv1d(F.pad(line, (2, 2)), torch.ones(1, 1, 3))
    expected = line.view(-1)[:, None] * line.view(-1)[None, :]
    torch.testing.assert_close(erf[7 - layers : 8 + layers, 7 - layers : 8 + layers], expected)


def test_gcn_blur_erf_is_the_filter_convolved_with_itself() -> None:
    erf = effective_receptive_field(conv_stack(2, weights="gcn"), torch.zeros(1, 1, 9, 9))
    g = gcn_filter(8)
    expected = F.conv2d(F.pad(g.view(1, 1, 3, 3), (2, 2, 2, 2)), g.view(1, 1, 3, 3))[0, 0]
    torch.testing.assert_close(erf[2:7, 2:7], expected)
    assert erf.sum().item() == pytest.approx(1.0)  # a blur keeps the mass


def test_random_relu_stack_stays_inside_the_theoretical_field() -> None:
    generator = torch.Generator().manual_seed(0)
    model = conv_stack(3, 4, weights="random", relu=True, generator=generator)
    x = torch.randn(8, 1, 15, 15, generator=generator)
    erf = effective_receptive_field(model, x)
    assert erf[4:11, 4:11].sum() == pytest.approx(erf.sum().item())
    assert erf.sum() > 0 and square_mass(erf, 7) == pytest.approx(1.0)


def test_spread_measures_by_hand() -> None:
    erf = torch.zeros(5, 5)
    erf[2, 2], erf[2, 4] = 1.0, 1.0  # half the mass at distance 2
    assert mass_radius(erf) == pytest.approx(2**0.5)
    assert square_mass(erf, 3) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="weights must be ones, random or gcn"):
        conv_stack(2, weights="zeros")


def test_hop_distances_and_neighbourhood_sizes_match_networkx() -> None:
    graph = nx.karate_club_graph()
    edges = torch.tensor(list(graph.edges)).t()
    edge_index = torch.cat([edges, edges.flip(0)], dim=1)
    dist = hop_distances(edge_index, 34, torch.tensor([0, 16, 33]), 3)
    for i, source in enumerate([0, 16, 33]):
        lengths = nx.single_source_shortest_path_length(graph, source, cutoff=3)
        expected = torch.full((34,), -1)
        for node, length in lengths.items():
            expected[node] = length
        assert torch.equal(dist[i], expected)
    sizes = neighbourhood_sizes(edge_index, 34, 2, block=5)
    assert sizes[0].tolist() == [1] * 34
    assert sizes[1].tolist() == [graph.degree(v) + 1 for v in range(34)]
    assert sizes[2, 0] == len(nx.single_source_shortest_path_length(graph, 0, cutoff=2))


def test_influence_of_a_two_layer_gcn_stops_at_two_hops() -> None:
    # a path 0 - 1 - 2 - 3 - 4: node 0's output depends on nodes 0, 1, 2 only
    pairs = torch.tensor([[0, 1], [1, 2], [2, 3], [3, 4]]).t()
    edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
    torch.manual_seed(0)
    model = GCN(3, 4, 2, dropout=0.0).eval()
    x = torch.rand(5, 3) + 0.5
    shares = influence_by_hop(lambda h: model(h, edge_index), x, edge_index, torch.tensor([0]), 3)
    assert shares.shape == (1, 5)
    assert shares[0, 3] == 0 and shares[0, 4] == 0  # hop 3 and beyond: nothing
    assert shares[0, :3].sum() == pytest.approx(1.0)
    assert (shares[0, :3] > 0).all()
