"""A GCN layer on the pixel grid is a fixed blur times one weight matrix: exact on the interior,
different on the two outer rings of pixels (where degrees differ)."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import GCNConv as PyGGCNConv
from torch_geometric.utils import grid

from gcnlab import GCNConv
from gcnlab.nn.gcn_on_grid import (
    gcn_as_grid_conv,
    gcn_filter,
    gcn_on_image,
    interior_mask,
    pixel_graph,
)


def test_pixel_graph_is_pygs_grid_without_self_loops():
    expected, _ = grid(5, 6)  # PyG: 8 neighbours and self-loops, row-major
    expected = {tuple(e) for e in expected.t().tolist() if e[0] != e[1]}
    ours = pixel_graph(5, 6)
    assert {tuple(e) for e in ours.t().tolist()} == expected
    assert ours.size(1) == len(expected)


def test_four_neighbours_by_hand():
    edges = pixel_graph(3, 3, connectivity=4)
    assert sorted(edges[0][edges[1] == 4].tolist()) == [1, 3, 5, 7]  # the centre pixel
    assert sorted(edges[0][edges[1] == 0].tolist()) == [1, 3]  # a corner
    assert edges.size(1) == 2 * 12  # 12 undirected grid edges on 3x3, both directions


def test_filters_by_hand():
    assert torch.equal(gcn_filter(8), torch.full((3, 3), 1 / 9))
    plus = torch.tensor([[0, 1, 0], [1, 1, 1], [0, 1, 0]]) / 5
    assert torch.equal(gcn_filter(4), plus)
    improved = gcn_filter(8, improved=True)
    assert improved[1, 1] == pytest.approx(0.2) and improved[0, 0] == pytest.approx(0.1)


# PyG 2.8's gcn_norm ignores improved=True when there are no edge weights (the self-loops get
# weight 1), so PyG's layer is checked with the default normalization only.
@pytest.mark.parametrize("connectivity", [8, 4])
@pytest.mark.parametrize("kind,improved", [("gcnlab", False), ("gcnlab", True), ("pyg", False)])
def test_gcn_is_a_fixed_blur_on_interior_pixels(connectivity, improved, kind):
    torch.manual_seed(0)
    gcn = (GCNConv if kind == "gcnlab" else PyGGCNConv)(3, 4, improved=improved)
    with torch.no_grad():
        gcn.bias.uniform_(-1, 1)
    images = torch.randn(2, 3, 8, 7)
    ours = gcn_on_image(gcn, images, connectivity)  # [2, 4, 8, 7]
    conv = gcn_as_grid_conv(gcn, connectivity)(images)  # the fixed filter times W, padding 1
    inside = interior_mask(8, 7)
    assert int(inside.sum()) == 4 * 3
    torch.testing.assert_close(ours[..., inside], conv[..., inside], atol=1e-6, rtol=1e-5)
    # on the outer two rings every output differs: fewer neighbours, larger coefficients
    gap = (ours - conv).abs().amax(dim=(0, 1))  # [8, 7]
    assert bool((gap[~inside] > 1e-3).all())


def test_refuses_an_unnormalized_gcn_and_bad_connectivity():
    with pytest.raises(ValueError, match="must normalize and add self-loops"):
        gcn_as_grid_conv(GCNConv(2, 2, normalize=False, add_self_loops=False))
    with pytest.raises(ValueError, match="connectivity must be 4 or 8"):
        pixel_graph(3, 3, connectivity=6)
