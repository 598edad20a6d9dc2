"""Uniform random walks against their exact transition probabilities; skip-gram pairs and loss."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gcnlab.nn.random_walk import context_pairs, random_walks, to_csr
from gcnlab.nn.skipgram import SkipGram, noise_pairs

# A small directed multigraph: node 0 has out-edges to 1, 2, 2 (doubled) and 3; node 4 has none.
EDGES = torch.tensor([[0, 0, 0, 0, 1, 1, 2, 3, 3], [1, 2, 2, 3, 0, 2, 0, 0, 4]])
N = 5


def _transition() -> torch.Tensor:
    """P[v, w] = A_vw / deg(v) (rows of dead ends are zero)."""
    a = torch.zeros(N, N, dtype=torch.double)
    a.index_put_((EDGES[0], EDGES[1]), torch.ones(EDGES.size(1), dtype=torch.double), True)
    deg = a.sum(1, keepdim=True)
    return torch.where(deg > 0, a / deg.clamp(min=1), torch.zeros_like(a))


def test_csr_lists_each_nodes_out_neighbours() -> None:
    rowptr, col = to_csr(EDGES, N)
    assert rowptr.tolist() == [0, 4, 6, 7, 9, 9]
    assert col.tolist() == [1, 2, 2, 3, 0, 2, 0, 0, 4]
    with pytest.raises(ValueError, match="refers to node 5 of 5"):
        to_csr(torch.tensor([[0], [5]]), 5)


def test_one_step_frequencies_are_a_over_degree() -> None:
    rowptr, col = to_csr(EDGES, N)
    p = _transition()
    n = 40_000
    generator = torch.Generator().manual_seed(0)
    for v in range(4):
        walks = random_walks(rowptr, col, torch.full((n,), v), 1, generator=generator)
        freq = torch.bincount(walks[:, 1], minlength=N).double() / n
        # within 4.5 binomial standard deviations of the exact probability, for every node
        sd = (p[v] * (1 - p[v]) / n).sqrt()
        assert ((freq - p[v]).abs() <= 4.5 * sd + 1e-12).all(), (v, freq, p[v])
    # node 0: the doubled edge to 2 is walked twice as often as the edges to 1 and 3
    assert p[0].tolist() == [0.0, 0.25, 0.5, 0.25, 0.0]


def test_two_step_distribution_is_the_squared_transition_matrix() -> None:
    rowptr, col = to_csr(EDGES, N)
    n = 40_000
    walks = random_walks(
        rowptr, col, torch.zeros(n, dtype=torch.long), 2, generator=torch.Generator().manual_seed(1)
    )
    p2 = (_transition() @ _transition())[0]  # dead-end walks are -1 at step 2: not counted
    freq = torch.bincount(walks[:, 2][walks[:, 2] >= 0], minlength=N).double() / n
    sd = (p2 * (1 - p2) / n).sqrt()
    assert ((freq - p2).abs() <= 4.5 * sd + 1e-12).all(), (freq, p2)
    # a walk stops one step after reaching node 4, the dead end: P(0 -> 3 -> 4) = 1/4 * 1/2
    walks = random_walks(
        rowptr, col, torch.zeros(n, dtype=torch.long), 3, generator=torch.Generator().manual_seed(1)
    )
    stopped = (walks[:, 3] == -1).double().mean().item()
    assert stopped == pytest.approx(1 / 8, abs=4.5 * math.sqrt(1 / 8 * 7 / 8 / n))


def test_walks_follow_edges_and_stop_at_dead_ends() -> None:
    rowptr, col = to_csr(EDGES, N)
    walks = random_walks(
        rowptr, col, torch.arange(N).repeat(200), 12, generator=torch.Generator().manual_seed(2)
    )
    assert walks.shape == (1000, 13)
    assert walks[:, 0].tolist() == torch.arange(N).repeat(200).tolist()
    edges = set(map(tuple, EDGES.t().tolist()))
    a, b = walks[:, :-1].reshape(-1), walks[:, 1:].reshape(-1)
    moved = b >= 0
    assert all((x, y) in edges for x, y in zip(a[moved].tolist(), b[moved].tolist(), strict=True))
    # -1 only after node 4 (the dead end) or after another -1
    assert set(a[~moved].tolist()) <= {4, -1}
    assert (walks[walks[:, 0] == 4, 1:] == -1).all()


def test_walks_are_reproducible_from_a_generator() -> None:
    rowptr, col = to_csr(EDGES, N)
    start = torch.arange(4).repeat(5)
    one = random_walks(rowptr, col, start, 6, generator=torch.Generator().manual_seed(3))
    two = random_walks(rowptr, col, start, 6, generator=torch.Generator().manual_seed(3))
    assert torch.equal(one, two)
    with pytest.raises(ValueError, match="walk_length must be >= 0"):
        random_walks(rowptr, col, start, -1)


def test_context_pairs_by_hand() -> None:
    walks = torch.tensor([[5, 6, 7, -1]])
    pairs = context_pairs(walks, 2)
    got = sorted(map(tuple, pairs.t().tolist()))
    assert got == sorted([(5, 6), (6, 5), (6, 7), (7, 6), (5, 7), (7, 5)])
    assert context_pairs(walks, 1).size(1) == 4
    with pytest.raises(ValueError, match="window must be at least 1"):
        context_pairs(walks, 0)


def test_noise_pairs_weigh_each_position_by_its_pairs() -> None:
    walks = torch.tensor([[5, 6, 7, -1], [8, -1, -1, -1]])
    noise = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # always node 2
    pairs, weight = noise_pairs(walks, 2, noise, 3, generator=torch.Generator().manual_seed(0))
    assert pairs[0].tolist() == [5, 5, 5, 6, 6, 6, 7, 7, 7]  # node 8 has no context: no noise
    assert (pairs[1] == 2).all()
    assert weight.tolist() == [2.0] * 9  # each position of [5, 6, 7] has two context pairs
    # the weights add up to k times the number of context pairs, as word2vec's noise count
    assert weight.sum() == 3 * context_pairs(walks, 2).size(1)


def test_skipgram_loss_is_the_formula() -> None:
    torch.manual_seed(0)
    model = SkipGram(6, 4, sparse=False)
    with torch.no_grad():
        model.context.weight.normal_()
    pos = torch.tensor([[0, 1, 2], [1, 2, 3]])
    neg = torch.tensor([[0, 0, 1, 2], [4, 5, 5, 4]])
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0])
    z, c = model.embedding.weight, model.context.weight
    expected = (
        -(
            F.logsigmoid((z[pos[0]] * c[pos[1]]).sum(1)).sum()
            + (weight * F.logsigmoid(-(z[neg[0]] * c[neg[1]]).sum(1))).sum()
        )
        / 3
    )
    torch.testing.assert_close(model(pos, neg, weight), expected)
    assert repr(model) == "SkipGram(6, 4)"
    with pytest.raises(ValueError, match="must be positive"):
        SkipGram(0, 4)
