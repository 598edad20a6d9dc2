"""The training-free clustering methods on tiny graphs with known communities."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from gcnlab.community.methods import (
    adjacency_eigenvectors,
    intra_cluster_distance,
    kmeans,
    smooth_clusters,
    top_singular_vectors,
)
from gcnlab.community.scores import cluster_scores
from gcnlab.nn.low_pass import LowPassFilter


def _two_cliques(size: int, bridge: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Two cliques of ``size`` nodes (0..size-1 and size..2size-1), optionally one bridge edge;
    returns (edge_index both directions, labels)."""
    pairs = [(i, j) for c in (0, size) for i in range(c, c + size) for j in range(i + 1, c + size)]
    if bridge:
        pairs.append((size - 1, size))
    edges = torch.tensor(pairs).t()
    labels = torch.tensor([0] * size + [1] * size)
    return torch.cat([edges, edges.flip(0)], dim=1), labels


def test_intra_cluster_distance_by_hand_and_brute_force() -> None:
    # clusters {0, 2} and {5} on a line: (0 + 4 + 4 + 0) / 2^2 = 2 and 0; mean over clusters 1
    h = torch.tensor([[0.0], [2.0], [5.0]], dtype=torch.float64)
    assert intra_cluster_distance(h, np.array([0, 0, 1])) == pytest.approx(1.0)
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(20, 4, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 3, (20,), generator=gen).numpy()
    expected = np.mean(
        [
            torch.cdist(h[labels == c], h[labels == c]).pow(2).sum().item()
            / (labels == c).sum() ** 2
            for c in np.unique(labels)
        ]
    )
    assert intra_cluster_distance(h, labels) == pytest.approx(expected)
    # an empty cluster id (here 1) does not count
    assert intra_cluster_distance(h[:2], np.array([0, 2])) == pytest.approx(0.0)


def test_top_singular_vectors_span_the_svd_subspace() -> None:
    gen = torch.Generator().manual_seed(1)
    h = torch.rand(30, 12, generator=gen, dtype=torch.float64)
    u = top_singular_vectors(h, 3)
    full, _, _ = np.linalg.svd(h.numpy(), full_matrices=False)
    np.testing.assert_allclose(u @ u.T, full[:, :3] @ full[:, :3].T, atol=1e-8)
    assert top_singular_vectors(h, 3).tolist() == u.tolist()  # deterministic
    assert top_singular_vectors(h, 11).shape == (30, 11)  # the dense route


def test_kmeans_finds_separated_groups_and_is_seeded() -> None:
    gen = torch.Generator().manual_seed(2)
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    labels = torch.arange(3).repeat_interleave(15)
    points = centers[labels] + 0.5 * torch.randn(45, 2, generator=gen)
    clusters = kmeans(points, 3, restarts=3, seed=0)
    assert cluster_scores(labels, clusters).acc == 1.0
    assert clusters.tolist() == kmeans(points, 3, restarts=3, seed=0).tolist()


@pytest.mark.parametrize("bridge", [False, True])
def test_spectral_recovers_two_cliques(bridge: bool) -> None:
    edge_index, labels = _two_cliques(6, bridge)
    embedding = adjacency_eigenvectors(edge_index, 12, 2)
    assert embedding.shape == (12, 2)
    np.testing.assert_allclose(np.linalg.norm(embedding, axis=1), 1.0)
    assert cluster_scores(labels, kmeans(embedding, 2, restarts=5, seed=0)).acc == 1.0
    # the sparse (ARPACK) and dense routes agree on a larger graph: 3 cliques of 8, k = 3
    edge_index = torch.cat([_two_cliques(8, True)[0], torch.tensor([[15, 16], [16, 15]])], dim=1)
    extra = [(i, j) for i in range(16, 24) for j in range(i + 1, 24)]
    extra_t = torch.tensor(extra).t()
    edge_index = torch.cat([edge_index, extra_t, extra_t.flip(0)], dim=1)
    sparse = adjacency_eigenvectors(edge_index, 24, 3)
    labels3 = torch.arange(3).repeat_interleave(8)
    assert cluster_scores(labels3, kmeans(sparse, 3, restarts=5, seed=0)).acc == 1.0


def test_smooth_clusters_stops_at_the_first_increase() -> None:
    edge_index, labels = _two_cliques(10, bridge=True)
    gen = torch.Generator().manual_seed(3)
    # noisy features: a class signal buried in noise, which smoothing over the cliques removes
    x = labels.double().unsqueeze(1) * 0.5 + torch.randn(20, 5, generator=gen, dtype=torch.float64)
    runs = smooth_clusters(x.abs(), edge_index, 20, 2, [0, 1], restarts=3, max_power=30)
    for run in runs:
        d = run.intra
        first_increase = next((p for p in range(1, len(d)) if d[p] > d[p - 1]), None)
        if first_increase is None:
            assert run.power == len(d) == 30 and run.stopped_by == "cap"
        else:  # d holds p = 1 .. first_increase + 1; the run keeps p = first_increase
            assert len(d) == first_increase + 1 and run.power == first_increase
            assert run.stopped_by == "rule"
        assert cluster_scores(labels, run.clusters).acc == 1.0
    assert runs[0].embedding is not None and runs[1].embedding is None


def test_smooth_clusters_says_when_the_rule_never_stopped(caplog: pytest.LogCaptureFixture) -> None:
    # two 5-cliques with well-separated features: d falls at every order 1..5 (1.47, 0.46,
    # 0.23, 0.18, 0.16), so both runs end at the cap, not by the rule
    edge_index, labels = _two_cliques(5, bridge=True)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(10, 4, generator=gen, dtype=torch.float64) + 3 * labels.unsqueeze(1)
    with caplog.at_level(logging.WARNING, logger="gcnlab"):
        runs = smooth_clusters(x, edge_index, 10, 2, [0, 1], restarts=2, max_power=5)
    assert [(r.power, r.stopped_by) for r in runs] == [(5, "cap"), (5, "cap")]
    assert all(np.all(np.diff(r.intra) < 0) for r in runs)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "never stopped in 2 of 2 runs" in record.message and "max_power = 5" in record.message


def test_smooth_clusters_fixed_power_uses_the_filter() -> None:
    edge_index, labels = _two_cliques(5, bridge=True)
    x = torch.eye(10, dtype=torch.float64)
    (run,) = smooth_clusters(x, edge_index, 10, 2, [4], restarts=2, power=3, assign="kmeans")
    assert run.power == 3 and len(run.intra) == 1 and run.stopped_by == "fixed"
    torch.testing.assert_close(run.embedding, LowPassFilter(3)(x, edge_index))
    assert run.clusters.tolist() == kmeans(run.embedding, 2, restarts=2, seed=4).tolist()
