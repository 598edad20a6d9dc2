"""Spectral-clustering and DeepWalk baselines: they embed structure, and score like the GAE."""

from __future__ import annotations

import pytest
import torch

from gcnlab.errors import UsageError
from gcnlab.experiments.baselines import (
    BaselineConfig,
    DeepWalkConfig,
    deepwalk_embedding,
    laplacian_eigenmap,
    link_scores,
    train_baseline,
)
from gcnlab.tasks.link_metrics import roc_auc


def _two_communities(n: int = 40, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two dense communities with a few edges between them; also held-out pairs of each kind."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.rand(n, n, generator=generator)
    block = torch.arange(n) < n // 2
    same = block[:, None] == block[None, :]
    adj = torch.where(same, a < 0.5, a < 0.02)
    adj = torch.triu(adj, 1)
    adj = adj | adj.t()
    return adj.nonzero().t(), block


def _community_auc(z: torch.Tensor, block: torch.Tensor) -> float:
    """How well z . z separates same-community pairs from cross pairs."""
    i, j = torch.triu_indices(len(block), len(block), 1)
    same = block[i] == block[j]
    s = link_scores(z, torch.stack([i, j]))
    return float(roc_auc(s[same], s[~same]))


def test_deepwalk_embeds_the_communities() -> None:
    edge_index, block = _two_communities()
    config = DeepWalkConfig(
        dim=16, walks_per_node=5, walk_length=20, window=3, epochs=3, batch_walks=16, lr=0.05
    )
    z = deepwalk_embedding(edge_index, 40, config, seed=0)
    assert z.shape == (40, 16)
    assert _community_auc(z, block) > 0.9
    torch.testing.assert_close(z, deepwalk_embedding(edge_index, 40, config, seed=0))


def test_laplacian_eigenmap_embeds_the_communities() -> None:
    edge_index, block = _two_communities()
    z = laplacian_eigenmap(edge_index, 40, 2, seed=0)
    assert z.shape == (40, 2)
    # the second eigenvector separates the two blocks
    assert _community_auc(z, block) > 0.9
    with pytest.raises(UsageError, match="dim must be in"):
        laplacian_eigenmap(edge_index, 40, 40)


def test_laplacian_eigenmap_is_scikit_learns() -> None:
    from sklearn.manifold import SpectralEmbedding

    edge_index, _ = _two_communities(30, seed=1)
    ours = laplacian_eigenmap(edge_index, 30, 3)
    adj = torch.zeros(30, 30, dtype=torch.double)
    adj[edge_index[0], edge_index[1]] = 1.0
    theirs = SpectralEmbedding(3, affinity="precomputed", random_state=0).fit_transform(adj.numpy())
    torch.testing.assert_close(ours, torch.from_numpy(theirs).float(), atol=1e-4, rtol=1e-3)
    # regularized: A + tau * mean degree / N everywhere, the same definition on that matrix
    dense = adj + 0.1 * adj.sum() / 30**2
    regularized = SpectralEmbedding(3, affinity="precomputed", random_state=0).fit_transform(
        dense.numpy()
    )
    ours = laplacian_eigenmap(edge_index, 30, 3, regularization=0.1)
    torch.testing.assert_close(ours, torch.from_numpy(regularized).float(), atol=1e-4, rtol=1e-3)
    with pytest.raises(UsageError, match="regularization must be >= 0"):
        laplacian_eigenmap(edge_index, 30, 3, regularization=-1.0)


def test_link_scores_are_the_inner_product_decoder() -> None:
    z = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    pairs = torch.tensor([[0, 1], [2, 2]])
    torch.testing.assert_close(link_scores(z, pairs), torch.sigmoid(torch.tensor([1.0, 2.0])))


def test_config_errors() -> None:
    with pytest.raises(UsageError, match="method must be one of sc, deepwalk"):
        BaselineConfig(method="node2vec").validate()
    with pytest.raises(UsageError, match="walk length must be at least 1"):
        DeepWalkConfig(walk_length=0).validate()


def test_spectral_baseline_on_karate() -> None:
    result = train_baseline(BaselineConfig(method="sc", dataset="karate", runs=2, dim=4))
    assert result.runs == 2 and result.seeds == [0, 1]
    assert len(result.auc) == 2 and all(0.0 <= v <= 1.0 for v in result.auc + result.ap)
    assert result.model == "sc" and result.dataset == "karate"
