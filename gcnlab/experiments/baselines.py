r"""Link-prediction baselines of Kipf & Welling (2016), Table 1: spectral clustering, DeepWalk.

Both embed the nodes from the *training* graph alone (no features), then score a pair by the
decoder the auto-encoders use, :math:`\sigma(\mathbf{z}_i^\top \mathbf{z}_j)` (the paper: "We
use Eq. 4 (left side) to calculate scores"), on the same splits as the GAE runs (run ``r`` uses
:func:`~gcnlab.data.link_split.split_edges` with seed ``seed + r``):

- ``sc``: the spectral embedding of the training adjacency (scikit-learn's definition: the
  eigenvectors of the normalized Laplacian with the smallest eigenvalues), regularized because
  a split's training graph has more components than dimensions (see
  :func:`laplacian_eigenmap`), 128 dimensions;
- ``deepwalk``: uniform random walks (:func:`~gcnlab.nn.random_walk.random_walks`) and skip-gram
  with negative sampling (:class:`~gcnlab.nn.skipgram.SkipGram`), trained with Adam.

:func:`train_baseline` returns a :class:`BaselineResult` with the AUC and AP of every run, like
:class:`~gcnlab.LinkResult`, so ``gcnlab reproduce gae-table1`` puts them in one table.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch import Tensor

from gcnlab.data.datasets import check_name, load_dataset
from gcnlab.data.link_split import split_edges
from gcnlab.errors import UsageError
from gcnlab.experiments.tables import collect_rows
from gcnlab.io.results import versions
from gcnlab.nn.random_walk import context_pairs, random_walks, to_csr
from gcnlab.nn.skipgram import SkipGram, noise_pairs
from gcnlab.tasks.link_metrics import average_precision, roc_auc
from gcnlab.utils.runtime import seed_everything
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("sc", "deepwalk")


@dataclass
class DeepWalkConfig:
    """DeepWalk's settings; the defaults are those of its reference implementation's command
    line (``deepwalk --number-walks 10 --walk-length 40 --window-size 5``), with 128 dimensions
    and word2vec's 5 noise nodes per pair."""

    dim: int = 128  # embedding size
    walks_per_node: int = 10  # walks started from every node, per epoch
    walk_length: int = 40  # steps per walk
    window: int = 5  # context: nodes at most this many steps apart in a walk
    negatives: int = 5  # noise nodes per pair, drawn from node frequency ** 0.75
    epochs: int = 1  # passes over freshly drawn walks
    batch_walks: int = 64  # walks per gradient step
    lr: float = 0.01  # Adam

    def validate(self) -> None:
        for name in ("dim", "walks_per_node", "walk_length", "window", "epochs", "batch_walks"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name.replace('_', ' ')} must be at least 1")
        if self.negatives < 0:
            raise UsageError(f"negatives must be >= 0, got {self.negatives}")
        if not self.lr > 0:
            raise UsageError(f"lr must be positive, got {self.lr}")


def deepwalk_embedding(
    edge_index: Tensor, num_nodes: int, config: DeepWalkConfig | None = None, *, seed: int = 0
) -> Tensor:
    """DeepWalk node embeddings ``[N, dim]`` of the graph ``edge_index`` (give both directions
    of an undirected graph), trained from ``seed``."""
    config = config or DeepWalkConfig()
    config.validate()
    seed_everything(seed)  # the embeddings' initialization
    generator = torch.Generator().manual_seed(seed)  # walks, batches and noise nodes
    rowptr, col = to_csr(edge_index.cpu(), num_nodes)
    # dense gradients and Adam: on graphs of this size the dense update (N x dim) costs less
    # than coalescing sparse gradients with many repeated rows
    model = SkipGram(num_nodes, config.dim, sparse=False)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    for epoch in range(config.epochs):
        # Step 1: this epoch's walks, from every node walks_per_node times, in random order
        start = torch.arange(num_nodes).repeat(config.walks_per_node)
        start = start[torch.randperm(start.numel(), generator=generator)]
        walks = random_walks(rowptr, col, start, config.walk_length, generator=generator)
        # Step 2: word2vec's noise distribution: how often each node occurs, to the power 0.75
        counts = torch.bincount(walks[walks >= 0], minlength=num_nodes).double()
        noise = counts.pow(0.75)
        # Step 3: skip-gram with negative sampling over batches of walks
        total = 0.0
        batches = walks.split(config.batch_walks)
        for batch in batches:
            pairs = context_pairs(batch, config.window)  # [2, P]
            if pairs.size(1) == 0:
                continue
            neg, weight = noise_pairs(
                batch, config.window, noise, config.negatives, generator=generator
            )  # k noise nodes per walk position, weighted by its number of pairs
            optimizer.zero_grad()
            loss = model(pairs, neg, weight)
            loss.backward()
            optimizer.step()
            total += loss.item()
        log.info("deepwalk epoch %d: mean loss %.4f", epoch + 1, total / max(len(batches), 1))
    return model.weight.detach().clone()


DENSE_EIGH_MAX_NODES = 8000  # up to here, a dense eigendecomposition (exact, seconds)


def laplacian_eigenmap(
    edge_index: Tensor,
    num_nodes: int,
    dim: int = 128,
    *,
    seed: int = 0,
    regularization: float = 0.0,
) -> Tensor:
    r"""The Laplacian eigenmap ``[N, dim]`` of the undirected graph ``edge_index`` (Belkin &
    Niyogi; the GAE paper's "spectral clustering" baseline), as scikit-learn's
    ``spectral_embedding`` defines it: the eigenvectors of the normalized
    Laplacian :math:`I - D^{-1/2} A D^{-1/2}` with the ``dim + 1`` smallest eigenvalues, the
    first dropped, each row divided by :math:`\sqrt{d_i}` (by 1 for isolated nodes), each
    column's sign chosen so that its largest entry in magnitude is positive.

    Up to :data:`DENSE_EIGH_MAX_NODES` nodes the eigenvectors come from a dense
    eigendecomposition: a split's training graph is far from connected (CiteSeer's has about
    660 components), so the eigenvalue 0 is repeated more than ``dim`` times, and ARPACK, which
    scikit-learn uses, can take tens of minutes to converge on it. Larger graphs use
    scikit-learn's ``SpectralEmbedding`` (ARPACK, no regularization).

    With more components than ``dim``, the smallest eigenvectors are indicators of ``dim`` of
    the components and every node of the others embeds to 0 (test AUC 0.58 on a CiteSeer
    split). ``regularization`` :math:`\tau > 0` embeds :math:`A + \tau \bar d / N \,
    (\mathbf{1}\mathbf{1}^\top - I)` instead (:math:`\bar d` the mean degree): regularized spectral
    clustering (Qin & Rohe, NIPS 2013), which joins the components weakly and is what the
    ``sc`` baseline uses (:class:`BaselineConfig`, ``sc_regularization=0.1``). ``0`` is
    scikit-learn's embedding exactly (a test compares them)."""
    import numpy as np
    import scipy.sparse as sp

    if not 1 <= dim < num_nodes:
        raise UsageError(f"dim must be in [1, {num_nodes - 1}], got {dim}")
    row, col = edge_index.cpu().numpy()
    adj = sp.csr_matrix((np.ones(row.size), (row, col)), shape=(num_nodes, num_nodes))
    adj = ((adj + adj.T) > 0).astype(np.float64)  # symmetric and unweighted
    if regularization < 0:
        raise UsageError(f"regularization must be >= 0, got {regularization}")
    if num_nodes > DENSE_EIGH_MAX_NODES:
        if regularization:
            raise UsageError(
                f"regularized spectral embedding is dense: at most {DENSE_EIGH_MAX_NODES} "
                f"nodes, got {num_nodes} (use regularization=0)"
            )
        from sklearn.manifold import SpectralEmbedding

        embedder = SpectralEmbedding(n_components=dim, affinity="precomputed", random_state=seed)
        with warnings.catch_warnings():
            # the training graph of a split is not connected (Cora already is not): expected
            warnings.filterwarnings("ignore", message="Graph is not fully connected")
            z = embedder.fit_transform(adj)
        return torch.from_numpy(np.ascontiguousarray(z)).float()
    from scipy.linalg import eigh

    # Step 1: the (regularized) normalized Laplacian, dense
    dense = adj.toarray()
    if regularization:
        weak = regularization * dense.sum() / num_nodes**2  # tau * mean degree / N
        dense += weak
        dense[np.diag_indices(num_nodes)] -= weak  # between nodes only, as scipy's laplacian
    degree = dense.sum(1)
    inv_sqrt = np.ones_like(degree)  # isolated nodes: 1, as scikit-learn (scipy's laplacian)
    inv_sqrt[degree > 0] = degree[degree > 0] ** -0.5
    laplacian = np.eye(num_nodes) - inv_sqrt[:, None] * dense * inv_sqrt[None, :]
    # Step 2: its dim + 1 smallest eigenpairs; drop the first, scale rows by 1 / sqrt(degree)
    _, vectors = eigh(laplacian, subset_by_index=[0, dim])
    z = vectors[:, 1:] * inv_sqrt[:, None]
    # Step 3: scikit-learn's sign convention: each column's largest entry in magnitude > 0
    signs = np.sign(z[np.abs(z).argmax(0), np.arange(dim)])
    z = z * np.where(signs == 0, 1.0, signs)
    return torch.from_numpy(np.ascontiguousarray(z)).float()


def link_scores(z: Tensor, pairs: Tensor) -> Tensor:
    r""":math:`\sigma(\mathbf{z}_i^\top \mathbf{z}_j)` for each pair ``[2, k]`` → ``[k]``, the
    auto-encoders' inner-product decoder."""
    return torch.sigmoid((z[pairs[0]] * z[pairs[1]]).sum(-1))


@dataclass
class BaselineConfig:
    """Which baseline, on which graph, how many splits."""

    method: str = "sc"  # sc | deepwalk
    dataset: str = "cora"
    runs: int = 10  # splits: seed, seed + 1, ... (the GAE runs' splits)
    seed: int = 0
    dim: int = 128  # embedding size (both methods)
    sc_regularization: float = 0.1  # sc: tau of regularized spectral clustering (see
    # laplacian_eigenmap); 0: scikit-learn's plain spectral embedding
    root: str | None = None
    deepwalk: DeepWalkConfig = field(default_factory=DeepWalkConfig)

    def validate(self) -> None:
        check_name(self.dataset)
        if self.method not in METHODS:
            raise UsageError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.runs < 1:
            raise UsageError(f"runs must be at least 1, got {self.runs}")
        if self.seed < 0:
            raise UsageError(f"seed must be >= 0, got {self.seed}")
        self.deepwalk.validate()


@dataclass
class BaselineResult:
    """The outcome of :func:`train_baseline`; AUC and AP are fractions in [0, 1]."""

    dataset: str
    model: str  # sc | deepwalk
    runs: int
    seeds: list[int]
    auc: list[float]  # test ROC AUC per split
    ap: list[float]  # test average precision per split
    auc_mean: float
    auc_std: float
    ap_mean: float
    ap_std: float
    val_auc: list[float]
    val_ap: list[float]
    seconds: float  # embedding and scoring, all runs
    config: dict
    versions: dict = field(default_factory=dict)
    task: str = "link-baseline"
    device: str = "cpu"
    partial: bool = False


def train_baseline(config: BaselineConfig | None = None) -> BaselineResult:
    """Embed each split's training graph with ``config.method`` and score its validation and
    test pairs. A ``KeyboardInterrupt`` after a finished run keeps the finished runs
    (``partial=True``)."""
    config = config or BaselineConfig()
    config.validate()
    data = load_dataset(config.dataset, config.root)

    def runs() -> Iterator[tuple[int, list[float], float]]:
        """Per run: its seed, its val AUC, val AP, test AUC, test AP, and its seconds."""
        for run in range(config.runs):
            seed = config.seed + run
            split = split_edges(data.edge_index, data.num_nodes, seed=seed)
            start = time.perf_counter()
            if config.method == "sc":
                z = laplacian_eigenmap(
                    split.train_edge_index,
                    data.num_nodes,
                    config.dim,
                    seed=seed,
                    regularization=config.sc_regularization,
                )
            else:
                walk = dataclasses.replace(config.deepwalk, dim=config.dim)
                z = deepwalk_embedding(split.train_edge_index, data.num_nodes, walk, seed=seed)
            row = []
            for pos, neg in ((split.val_pos, split.val_neg), (split.test_pos, split.test_neg)):
                p, n = link_scores(z, pos), link_scores(z, neg)
                row += [float(roc_auc(p, n)), float(average_precision(p, n))]
            seconds = time.perf_counter() - start
            log.info(
                "%s run %d (seed %d): test AUC %.4f, AP %.4f",
                config.method,
                run + 1,
                seed,
                row[2],
                row[3],
            )
            yield seed, row, seconds

    done, partial = collect_rows(runs())
    seeds = [seed for seed, _, _ in done]
    scores = [row for _, row, _ in done]
    seconds = sum(s for _, _, s in done)
    auc, ap = [s[2] for s in scores], [s[3] for s in scores]
    auc_mean, auc_std = mean_std(auc)
    ap_mean, ap_std = mean_std(ap)
    return BaselineResult(
        dataset=data.name.lower(),
        model=config.method,
        runs=len(scores),
        seeds=seeds,
        auc=auc,
        ap=ap,
        auc_mean=auc_mean,
        auc_std=auc_std,
        ap_mean=ap_mean,
        ap_std=ap_std,
        val_auc=[s[0] for s in scores],
        val_ap=[s[1] for s in scores],
        seconds=seconds,
        config=dataclasses.asdict(config),
        versions=versions(),
        partial=partial,
    )
