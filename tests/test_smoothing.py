"""Over-smoothing measures against their pairwise definitions."""

from __future__ import annotations

import pytest
import torch

from gcnlab import normalized_adjacency
from gcnlab.nn.smoothing import dirichlet_energy, mean_average_distance

PAIRS = torch.tensor([[0, 1], [1, 2], [2, 0], [3, 4]]).t()
EDGES = torch.cat([PAIRS, PAIRS.flip(0)], dim=1)  # a triangle and an edge; node 5 isolated
N = 6


def _pairwise_energy(h: torch.Tensor) -> float:
    """(1 / 2N) sum_ij Ã_ij || h_i / sqrt(d_i) - h_j / sqrt(d_j) ||^2, Ã = A + I."""
    a = torch.eye(N, dtype=torch.double)
    a[EDGES[0], EDGES[1]] = 1.0
    d = a.sum(1)
    s = h / d.sqrt()[:, None]
    diff = (s[:, None, :] - s[None, :, :]).square().sum(-1)
    return float((a * diff).sum() / (2 * N))


def test_dirichlet_energy_is_the_pairwise_sum() -> None:
    torch.manual_seed(0)
    h = torch.randn(N, 3, dtype=torch.double)
    adj = normalized_adjacency(EDGES, num_nodes=N, dtype=torch.double)
    assert dirichlet_energy(h, adj) == pytest.approx(_pairwise_energy(h))
    scaled = dirichlet_energy(3 * h, adj, normalized=True)
    assert scaled == pytest.approx(_pairwise_energy(h) / (h.square().sum().item() / N))
    assert 0 <= scaled <= 2


def test_an_over_smoothed_representation_has_zero_energy() -> None:
    # the fixed point of Â: each component's vector scaled by sqrt(degree)
    adj = normalized_adjacency(EDGES, num_nodes=N, dtype=torch.double)
    d = torch.tensor([3.0, 3.0, 3.0, 2.0, 2.0, 1.0], dtype=torch.double)
    v = torch.tensor([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [-1.0, 5.0], [-1.0, 5.0], [4.0, 4.0]])
    h = v.double() * d.sqrt()[:, None]
    assert dirichlet_energy(h, adj) == pytest.approx(0.0, abs=1e-12)
    assert dirichlet_energy(torch.zeros(N, 2), adj.to("cpu", torch.float), normalized=True) == 0.0


def test_mean_average_distance_by_hand() -> None:
    same = torch.tensor([[1.0, 1.0], [2.0, 2.0], [0.5, 0.5]])
    assert mean_average_distance(same) == pytest.approx(0.0, abs=1e-12)
    orthogonal = torch.tensor([[1.0, 0.0], [0.0, 3.0], [0.0, 0.0]])  # the zero row is left out
    assert mean_average_distance(orthogonal) == pytest.approx(1.0)
    torch.manual_seed(1)
    h = torch.randn(7, 4)
    cos = torch.nn.functional.cosine_similarity(h[:, None], h[None, :], dim=-1).double()
    expected = ((1 - cos).sum() - (1 - cos).diagonal().sum()) / (7 * 6)
    assert mean_average_distance(h, block_rows=3) == pytest.approx(float(expected), abs=1e-6)
    assert mean_average_distance(h[:1]) == 0.0
