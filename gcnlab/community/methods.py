r"""Training-free ways to cluster a graph's nodes: k-means, spectral clustering and AGC's smoothing.

Every method ends in k-means (scikit-learn's ``KMeans``, k-means++ starts, ``restarts`` of them,
the one with the lowest inertia kept), seeded per run, on some embedding of the nodes:

- :func:`kmeans` on the features alone;
- :func:`adjacency_eigenvectors`: the graph alone, the top eigenvectors of the normalized
  adjacency (spectral clustering, Ng, Jordan & Weiss, 2001);
- :func:`smooth_clusters`: AGC (Zhang et al., IJCAI 2019), features smoothed over the graph
  :math:`p` times by the low-pass filter :math:`(I + \tilde{A})/2`
  (:mod:`gcnlab.nn.low_pass`), then spectral clustering of the linear kernel
  :math:`\bar{X}\bar{X}^\top` (its top eigenvectors are the top left singular vectors of
  :math:`\bar{X}`), with :math:`p` chosen without labels by AGC's rule (see
  :func:`smooth_clusters`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from gcnlab.nn.low_pass import low_pass_operator, low_pass_powers
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix

log = logging.getLogger(__name__)



def kmeans(
    embedding: np.ndarray | Tensor, num_clusters: int, *, restarts: int, seed: int
) -> np.ndarray:
    """Cluster ids ``[N]`` (0 .. ``num_clusters`` - 1) of the rows of ``embedding`` ``[N, D]``:
    the best (lowest inertia) of ``restarts`` k-means++ runs, seeded with ``seed``."""
    from sklearn.cluster import KMeans

    if isinstance(embedding, Tensor):
        embedding = embedding.detach().cpu().double().numpy()
    model = KMeans(n_clusters=num_clusters, n_init=restarts, random_state=seed)
    return model.fit_predict(np.ascontiguousarray(embedding, dtype=np.float64)).astype(np.int64)


def top_singular_vectors(h: Tensor, k: int) -> np.ndarray:
    """The left singular vectors ``[N, k]`` of ``h`` ``[N, F]`` for its ``k`` largest singular
    values, unscaled (AGC's spectral embedding). Deterministic: ARPACK starts from a fixed
    vector; a full SVD is used when ``k`` is close to ``min(N, F)``."""
    matrix = h.detach().cpu().double().numpy()
    if k >= min(matrix.shape) - 1:  # ARPACK needs k < min(N, F)
        u, _, _ = np.linalg.svd(matrix, full_matrices=False)
        return u[:, :k]
    from scipy.sparse.linalg import svds

    u, _, _ = svds(matrix, k=k, which="LM", random_state=0)
    return u


def adjacency_eigenvectors(edge_index: Tensor, num_nodes: int, k: int) -> np.ndarray:
    r"""The graph-only embedding ``[N, k]`` of spectral clustering: the eigenvectors of the
    normalized adjacency with self-loops :math:`\tilde{A}` for its ``k`` largest eigenvalues,
    each row scaled to unit length (Ng, Jordan & Weiss).

    Each connected component contributes eigenvalue 1 (its degree vector). On a graph with more
    than ``k`` components (Cora has 78) the top ``k`` eigenvectors therefore span some of the
    component indicators, and the clusters follow components, not communities: that is the
    method, not a bug, and why the baseline is weak on citation graphs.
    """
    adj = normalized_adjacency(edge_index, num_nodes=num_nodes, dtype=torch.float64)
    if k >= num_nodes - 1:  # ARPACK needs k < N: small graphs take the dense route
        _, vectors = np.linalg.eigh(adj.to_dense().numpy())
        vectors = vectors[:, ::-1][:, :k]
    else:
        import scipy.sparse as sp
        from scipy.sparse.linalg import eigsh

        crow, col = adj.mat.crow_indices().numpy(), adj.mat.col_indices().numpy()
        matrix = sp.csr_matrix((adj.values.numpy(), col, crow), shape=(num_nodes, num_nodes))
        start = np.random.default_rng(0).random(num_nodes)  # fixed: the same basis every run
        _, vectors = eigsh(matrix, k=k, which="LA", v0=start)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def intra_cluster_distance(
    h: Tensor, labels: np.ndarray | Tensor, squared_norms: Tensor | None = None
) -> float:
    r"""AGC's intra-cluster distance of the clusters ``labels`` ``[N]`` of the rows of ``h``
    ``[N, F]``: the mean over the non-empty clusters of the mean squared distance between two of
    their points,

    .. math::
        d(\mathcal{C}) = \frac{1}{|\mathcal{C}|} \sum_{C \in \mathcal{C}} \frac{1}{|C|^2}
        \sum_{i, j \in C} \lVert \bar{x}_i - \bar{x}_j \rVert^2
        = \frac{1}{|\mathcal{C}|} \sum_{C} 2 \Big( \frac{1}{|C|} \sum_{i \in C}
          \lVert \bar{x}_i \rVert^2 - \lVert \mu_C \rVert^2 \Big)

    computed by the right-hand side: one pass over ``h`` per clustering, no ``[N, F]``
    temporary. ``squared_norms`` ``[N]`` (:math:`\lVert \bar{x}_i \rVert^2`) may be passed when
    several clusterings of the same ``h`` are scored.
    """
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long, device=h.device)
    if squared_norms is None:
        squared_norms = h.pow(2).sum(dim=1)  # [N]
    k = int(labels.max()) + 1
    count = torch.bincount(labels, minlength=k).to(h.dtype)  # [k]
    total = torch.zeros(k, h.size(1), dtype=h.dtype, device=h.device).index_add_(0, labels, h)
    norms = torch.zeros(k, dtype=h.dtype, device=h.device).index_add_(0, labels, squared_norms)
    present = count > 0
    n = count[present]
    mean_norm = norms[present] / n  # [k'], mean of |x|^2 in each cluster
    centre_norm = total[present].pow(2).sum(dim=1) / n.pow(2)  # [k'], |mu|^2
    return float((2 * (mean_norm - centre_norm)).mean())


@dataclass
class SmoothRun:
    """What :func:`smooth_clusters` chose for one seed."""

    seed: int
    power: int  # the smoothing order p whose clusters are kept
    clusters: np.ndarray  # [N] cluster ids at that order
    embedding: Tensor | np.ndarray | None = None  # what k-means saw at that order (first seed)
    intra: list[float] = field(default_factory=list)  # d(C) at p = 1, 2, ... (those tried)
    # why this order: "rule" (d rose at p + 1), "cap" (d never rose up to max_power: the rule
    # did not choose, the order is the cap) or "fixed" (power was given)
    stopped_by: str = "fixed"


def smooth_clusters(
    x: Tensor | SparseMatrix,
    edge_index: Tensor,
    num_nodes: int,
    num_clusters: int,
    seeds: list[int],
    *,
    restarts: int = 10,
    max_power: int = 60,
    power: int | None = None,
    assign: str = "spectral",
    on_power: Callable[[int, int], None] | None = None,
) -> list[SmoothRun]:
    r"""AGC: smooth the features, cluster, and choose the smoothing order without labels.

    For :math:`p = 1, 2, \ldots`: :math:`\bar{X}_p = ((I + \tilde{A})/2)^p X`; embed the nodes
    (``assign="spectral"``: the top ``num_clusters`` left singular vectors of
    :math:`\bar{X}_p`; ``"kmeans"``: :math:`\bar{X}_p` itself); k-means with the run's seed;
    then the intra-cluster distance :math:`d_p` of those clusters on :math:`\bar{X}_p`
    (:func:`intra_cluster_distance`). The first time :math:`d_p > d_{p-1}`, smoothing has
    started to pull different clusters together: the run keeps :math:`p - 1` and its clusters.
    A run that never stops keeps ``max_power`` (``stopped_by="cap"``, and a warning is logged:
    the rule chose nothing, and the clusters may be over-smoothed). With ``power`` given, that
    order is used and nothing is chosen.

    :math:`d` is not scale-free: the filter shrinks every component of :math:`\bar{X}` but the
    graph's top eigenvector, so on graphs whose degrees vary within a community :math:`d_p`
    can fall at every order until the features stop changing (measured by
    ``benchmarks/smooth_sbm.py``); a fixed ``power`` is then the better choice.

    The smoothing and the embedding do not depend on the seed, so all seeds advance together,
    one power at a time, and the graph is smoothed once.

    Args:
        x: features ``[N, F]`` (AGC uses the raw bag-of-words).
        edge_index: ``[2, E]`` edges, both directions.
        num_nodes: ``N``.
        num_clusters: ``k``.
        seeds: one run per seed (the seed of its k-means).
        restarts: k-means restarts per clustering. (default: 10)
        max_power: the largest order tried. (default: 60, AGC's)
        power: a fixed order instead of the adaptive choice. (default: adaptive)
        assign: ``"spectral"`` (AGC's) or ``"kmeans"``. (default: ``"spectral"``)
        on_power: called with ``(p, runs still going)`` after each order.
    """
    last = power if power is not None else max_power
    operator = low_pass_operator(edge_index, num_nodes)
    runs = {seed: SmoothRun(seed, 0, np.zeros(num_nodes, dtype=np.int64)) for seed in seeds}
    going = list(seeds)
    for p, h in enumerate(low_pass_powers(x, operator), start=1):  # h: [N, F]
        if power is not None and p < power:
            continue
        embedding = top_singular_vectors(h, num_clusters) if assign == "spectral" else h
        squared_norms = h.pow(2).sum(dim=1)  # [N], shared by the runs' distances
        for seed in list(going):
            run = runs[seed]
            clusters = kmeans(embedding, num_clusters, restarts=restarts, seed=seed)
            distance = intra_cluster_distance(h, clusters, squared_norms)
            run.intra.append(distance)
            if power is None and len(run.intra) > 1 and distance > run.intra[-2]:
                going.remove(seed)  # keep p - 1
                run.stopped_by = "rule"
                continue
            run.power, run.clusters = p, clusters
            if seed == seeds[0]:
                run.embedding = embedding
        if on_power is not None:
            on_power(p, len(going))
        log.info("smoothing order %d: %d of %d runs still going", p, len(going), len(seeds))
        if not going or p >= last:
            break
    if power is None and going:
        for seed in going:
            runs[seed].stopped_by = "cap"
        log.warning(
            "smoothing order: the adaptive rule never stopped in %d of %d runs (the "
            "intra-cluster distance fell at every order up to max_power = %d); they keep that "
            "cap, where the features may be over-smoothed: give a fixed power",
            len(going),
            len(seeds),
            max_power,
        )
    return [runs[seed] for seed in seeds]
