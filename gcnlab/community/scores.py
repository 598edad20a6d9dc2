r"""How well clusters recover known classes: ACC, NMI, ARI and macro-F1, from one contingency table.

A clustering names its groups arbitrarily, so cluster 3 may be class 0. Every score here is
invariant to renaming the clusters:

- **ACC** matches clusters to classes one-to-one so that the matched pairs share the most nodes
  (the Hungarian method, :func:`scipy.optimize.linear_sum_assignment`), then counts the nodes whose
  cluster is matched to their class. With more clusters than classes the extra clusters match
  nothing and their nodes count as errors; with fewer, some classes go unmatched.
- **NMI** (normalized mutual information, arithmetic normalization) and **ARI** (adjusted Rand
  index) compare the two partitions without any matching; they are scikit-learn's
  ``normalized_mutual_info_score`` (``average_method="arithmetic"``) and ``adjusted_rand_score``.
- **macro-F1** is the F1 of each class against the cluster matched to it (0 for a class left
  unmatched), averaged over the classes.

All four are computed from the ``[K, C]`` contingency table (nodes in cluster ``i`` and class
``j``), which the figures draw too. Scores are fractions in [0, 1] (ARI can be negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class ClusterScores:
    """The four scores of one clustering against the classes, as fractions."""

    acc: float  # accuracy after the best one-to-one matching of clusters to classes
    nmi: float  # normalized mutual information (arithmetic mean of the two entropies)
    ari: float  # adjusted Rand index, in [-1, 1]
    f1: float  # macro-F1 over the classes, after the same matching as acc


@dataclass(frozen=True)
class Contingency:
    """Counts of nodes per (cluster, class) pair, with the names of the rows and columns."""

    table: np.ndarray  # [K, C] int64: nodes in cluster clusters[i] and class classes[j]
    clusters: np.ndarray  # [K] the cluster ids, sorted
    classes: np.ndarray  # [C] the class ids, sorted


def _as_labels(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    return array


def contingency(labels: Any, clusters: Any) -> Contingency:
    """The contingency table of ``clusters`` ``[N]`` (rows) against ``labels`` ``[N]`` (columns).

    Both are 1-D integer arrays or tensors; ids need not be contiguous.
    """
    labels, clusters = _as_labels(labels, "labels"), _as_labels(clusters, "clusters")
    if labels.shape != clusters.shape:
        raise ValueError(f"labels and clusters differ in length: {labels.size} vs {clusters.size}")
    if labels.size == 0:
        raise ValueError("cannot score an empty clustering")
    classes, class_index = np.unique(labels, return_inverse=True)
    names, cluster_index = np.unique(clusters, return_inverse=True)
    table = np.zeros((names.size, classes.size), dtype=np.int64)
    np.add.at(table, (cluster_index, class_index), 1)
    return Contingency(table, names, classes)


def match_clusters(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-to-one matching of rows (clusters) to columns (classes) of ``table`` ``[K, C]``
    that maximizes the matched counts: ``(rows, cols)``, ``min(K, C)`` pairs each."""
    # linear_sum_assignment minimizes; it accepts rectangular tables, matching min(K, C) pairs.
    rows, cols = linear_sum_assignment(table, maximize=True)
    return rows, cols


def _accuracy(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    return float(table[rows, cols].sum() / table.sum())


def _macro_f1(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    # class j matched to cluster i: precision n_ij / |cluster i|, recall n_ij / |class j|, so
    # F1 = 2 n_ij / (|cluster i| + |class j|); an unmatched class scores 0.
    hits = table[rows, cols].astype(np.float64)
    sizes = table.sum(axis=1)[rows] + table.sum(axis=0)[cols]
    f1 = np.divide(2 * hits, sizes, out=np.zeros_like(hits), where=sizes > 0)
    return float(f1.sum() / table.shape[1])


def _labels_of(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (class, cluster) pair of row and column indices per node counted in ``table`` ``[K, C]``:
    ``(classes [N], clusters [N])``, the labelings the table was counted from, renamed."""
    rows, cols = np.nonzero(table)
    counts = table[rows, cols]
    return np.repeat(cols, counts), np.repeat(rows, counts)


def scores_from_table(table: np.ndarray) -> ClusterScores:
    """ACC, NMI, ARI and macro-F1 of a ``[K, C]`` contingency table (clusters × classes)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    rows, cols = match_clusters(table)
    classes, clusters = _labels_of(table)
    return ClusterScores(
        acc=_accuracy(table, rows, cols),
        nmi=float(normalized_mutual_info_score(classes, clusters, average_method="arithmetic")),
        ari=float(adjusted_rand_score(classes, clusters)),
        f1=_macro_f1(table, rows, cols),
    )


def cluster_scores(labels: Any, clusters: Any) -> ClusterScores:
    """ACC, NMI, ARI and macro-F1 of ``clusters`` ``[N]`` against the classes ``labels`` ``[N]``
    (integer arrays or tensors; any number of clusters)."""
    return scores_from_table(contingency(labels, clusters).table)


def match_map(labels: Any, clusters: Any) -> dict[int, int]:
    """The best one-to-one matching as ``{cluster id: class id}`` (see :func:`match_clusters`);
    clusters left unmatched are absent."""
    cont = contingency(labels, clusters)
    rows, cols = match_clusters(cont.table)
    return dict(zip(cont.clusters[rows].tolist(), cont.classes[cols].tolist(), strict=True))


def matched_labels(labels: Any, clusters: Any) -> np.ndarray:
    """``clusters`` ``[N]`` renamed to the class each is matched to (see :func:`match_clusters`);
    nodes of an unmatched cluster get ``-1``."""
    rename = match_map(labels, clusters)
    clusters = _as_labels(clusters, "clusters")
    return np.array([rename.get(c, -1) for c in clusters.tolist()], dtype=np.int64)
