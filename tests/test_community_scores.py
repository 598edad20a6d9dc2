"""Clustering scores against scikit-learn, a brute-force matching and hand-computed tiny cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score, f1_score, normalized_mutual_info_score

from gcnlab.community.scores import (
    cluster_scores,
    contingency,
    match_clusters,
    matched_labels,
)


def _brute_force(labels: np.ndarray, clusters: np.ndarray) -> tuple[float, list[float]]:
    """The best accuracy over every one-to-one map between clusters and classes, and the macro-F1
    of each map that reaches it (ties can give equal accuracy and different F1)."""
    names, classes = np.unique(clusters), np.unique(labels)
    if names.size <= classes.size:
        maps = [
            dict(zip(names, image, strict=True))
            for image in itertools.permutations(classes, names.size)
        ]
    else:
        maps = [
            dict(zip(chosen, classes, strict=True))
            for chosen in itertools.permutations(names, classes.size)
        ]
    best, f1s = -1, []
    for rename in maps:
        hits = sum(rename.get(c) == y for c, y in zip(clusters, labels, strict=True))
        f1 = 0.0
        for cluster, cls in rename.items():
            both = np.sum((clusters == cluster) & (labels == cls))
            f1 += 2 * both / (np.sum(clusters == cluster) + np.sum(labels == cls))
        f1 /= classes.size
        if hits > best:
            best, f1s = hits, [f1]
        elif hits == best:
            f1s.append(f1)
    return best / labels.size, f1s


def test_matching_beats_greedy_by_hand() -> None:
    # clusters 5 and 9 against classes 0 and 1; table (rows 5, 9): [[3, 2], [2, 0]].
    # Greedy takes the largest cell (5 -> class 0, 3 nodes) and is left with 0 for 9 -> 1: 3/7.
    # The best matching is 5 -> 1, 9 -> 0: 2 + 2 = 4 of 7.
    labels = [0, 0, 0, 1, 1, 0, 0]
    clusters = [5, 5, 5, 5, 5, 9, 9]
    cont = contingency(labels, clusters)
    np.testing.assert_array_equal(cont.table, [[3, 2], [2, 0]])
    rows, cols = match_clusters(cont.table)
    assert dict(zip(rows.tolist(), cols.tolist(), strict=True)) == {0: 1, 1: 0}
    np.testing.assert_array_equal(matched_labels(labels, clusters), [1, 1, 1, 1, 1, 0, 0])

    s = cluster_scores(labels, clusters)
    assert s.acc == pytest.approx(4 / 7)
    # class 0 <-> cluster 9: F1 = 2*2 / (2 + 5); class 1 <-> cluster 5: 2*2 / (5 + 2)
    assert s.f1 == pytest.approx(4 / 7)
    # pairs: together 3 + 1 + 1 = 5, same cluster 10 + 1, same class 10 + 1, all 21
    assert s.ari == pytest.approx((5 - 11 * 11 / 21) / (11 - 11 * 11 / 21))
    assert s.ari == pytest.approx(-8 / 55)
    mutual = 3 / 7 * math.log(7 * 3 / 25) + 4 / 7 * math.log(7 * 2 / 10)
    entropy = -(5 / 7 * math.log(5 / 7) + 2 / 7 * math.log(2 / 7))  # the same for both sides
    assert s.nmi == pytest.approx(mutual / entropy)


def test_more_clusters_than_classes_by_hand() -> None:
    # cluster 2 -> class 1 (2 nodes), one of clusters 0/1 -> class 0 (1 node), the other unmatched
    s = cluster_scores([0, 0, 1, 1], [0, 1, 2, 2])
    assert s.acc == pytest.approx(3 / 4)
    assert s.f1 == pytest.approx((2 * 1 / (1 + 2) + 1.0) / 2)
    assert matched_labels([0, 0, 1, 1], [0, 1, 2, 2]).tolist().count(-1) == 1


def test_fewer_clusters_than_classes_by_hand() -> None:
    # cluster 1 -> class 2 (2 nodes), cluster 0 -> class 0 or 1 (1 node), the third class unmatched
    s = cluster_scores([0, 1, 2, 2], [0, 0, 1, 1])
    assert s.acc == pytest.approx(3 / 4)
    assert s.f1 == pytest.approx((1.0 + 2 * 1 / (2 + 1) + 0.0) / 3)


def test_perfect_and_renamed() -> None:
    s = cluster_scores(torch.tensor([0, 0, 1, 1, 2]), torch.tensor([7, 7, 3, 3, 1]))
    assert (s.acc, s.nmi, s.ari, s.f1) == pytest.approx((1.0, 1.0, 1.0, 1.0))


@pytest.mark.parametrize("num_classes,num_clusters", [(3, 3), (4, 2), (2, 5), (1, 3), (3, 1)])
def test_equal_to_sklearn_and_brute_force(num_classes: int, num_clusters: int) -> None:
    rng = np.random.default_rng(num_classes * 10 + num_clusters)
    for _ in range(20):
        n = int(rng.integers(2, 30))
        labels = rng.integers(0, num_classes, n)
        # half of the cases partly agree with the labels, so the scores are not all near 0
        clusters = np.where(
            rng.random(n) < 0.5, labels % num_clusters, rng.integers(0, num_clusters, n)
        )
        s = cluster_scores(labels, clusters)
        nmi = normalized_mutual_info_score(labels, clusters, average_method="arithmetic")
        assert s.nmi == pytest.approx(nmi, abs=1e-12)
        assert s.ari == pytest.approx(adjusted_rand_score(labels, clusters), abs=1e-12)
        acc, f1s = _brute_force(labels, clusters)
        assert s.acc == pytest.approx(acc, abs=1e-12)
        assert any(s.f1 == pytest.approx(f1, abs=1e-12) for f1 in f1s)
        f1 = f1_score(
            labels,
            matched_labels(labels, clusters),
            labels=np.unique(labels),
            average="macro",
            zero_division=0,
        )
        assert s.f1 == pytest.approx(f1, abs=1e-12)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        cluster_scores([0, 1], [0])
    with pytest.raises(ValueError, match="empty"):
        cluster_scores([], [])
    with pytest.raises(ValueError, match="1-D"):
        cluster_scores([[0, 1]], [[0, 1]])
