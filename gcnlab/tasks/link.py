"""Link prediction with graph auto-encoders: one function that does the paper's protocol.

``train_link(LinkConfig(...))`` loads the dataset, then for each seed splits the edges 85/5/10
(:func:`~gcnlab.data.link_split.split_edges`), trains a GAE or VGAE on the training graph with Adam,
scores the validation and test pairs after every epoch, and reports the test ROC AUC and average
precision at the epoch with the best validation AUC + AP (never the best test epoch).

Everything an epoch touches (graph, features, pairs, sampled negatives, loss, metrics) lives on
the run's device. The per-epoch statistics are written into a device tensor; the host reads it
once per run, or one row per epoch when an ``on_epoch`` hook wants to see it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import Tensor

from gcnlab.data import planetoid
from gcnlab.data.datasets import check_name, load_dataset, resolve_root
from gcnlab.data.link_split import LinkSplit, edge_keys, sample_non_edges, split_edges
from gcnlab.errors import TrainingDiverged
from gcnlab.io.checkpoint import (
    Checkpoint,
    check_fingerprint,
    config_from,
    dataset_fingerprint,
    load_states,
)
from gcnlab.io.results import versions
from gcnlab.nn.autoencoders import (
    GAE,
    VGAE,
    GCNEncoder,
    VariationalGCNEncoder,
    dense_recon_loss,
    reconstruction_weights,
    sampled_recon_loss,
)
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.tasks.loop import raise_first_failure, run_checks, run_seeds
from gcnlab.tasks.metrics import average_precision, roc_auc
from gcnlab.utils.runtime import resolve_device, seed_everything
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)

MODELS: tuple[str, ...] = ("gae", "vgae")
LOSSES: tuple[str, ...] = ("auto", "dense", "sampled")
FEATURES: tuple[str, ...] = ("raw", "normalized", "none")
# loss="auto" reconstructs all N^2 pairs up to this many nodes and samples negatives above it.
# The loss alone, forward and backward, one CPU core of a shared machine: Cora 24 ms dense,
# CiteSeer 37 ms, 10 000 nodes 0.28 s, PubMed (19 717) 1.1 s against 24 ms sampled.
DENSE_MAX_NODES = 10_000


@dataclass
class LinkConfig:
    """Hyper-parameters of a link-prediction run; defaults are the paper's."""

    dataset: str = "cora"  # cora | citeseer | pubmed | karate
    model: str = "gae"  # gae | vgae
    epochs: int = 200  # epochs per run
    hidden: int = 32  # hidden units of the first GCN layer
    latent: int = 16  # size of each node's embedding
    lr: float = 0.01  # Adam learning rate
    loss: str = "auto"  # dense: the paper's weighted reconstruction of all N^2 pairs; sampled: the
    # training edges against as many random pairs, each epoch; auto: dense up to DENSE_MAX_NODES
    features: str = "raw"  # raw: as stored, unnormalized (the paper's: binary words on Cora and
    # CiteSeer); normalized: rows summing to 1 (PyG's example); none: one-hot ids (featureless)
    runs: int = 10  # seeded runs: seed, seed + 1, ...
    seed: int = 0  # first seed; seeds initialization, VGAE noise, sampled negatives
    split_seed: int | None = None  # None: each run splits the edges with its own seed; a
    # number: every run uses the one split this seed draws (the paper's "fixed splits")
    device: str = "auto"  # auto | cpu | cuda
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for out-of-range values."""
        check_name(self.dataset)
        checks = run_checks(epochs=self.epochs, runs=self.runs, lr=self.lr, seed=self.seed)
        checks += [
            (self.model in MODELS, f"model must be one of {', '.join(MODELS)}, got {self.model!r}"),
            (self.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}"),
            (self.features in FEATURES,
             f"features must be one of {', '.join(FEATURES)}, got {self.features!r}"),
            (self.hidden >= 1, f"hidden must be at least 1, got {self.hidden}"),
            (self.latent >= 1, f"latent must be at least 1, got {self.latent}"),
            (self.split_seed is None or self.split_seed >= 0,
             f"split seed must be >= 0, got {self.split_seed}"),
        ]
        raise_first_failure(checks)


@dataclass
class LinkEpochStats:
    """What one epoch measured; passed to ``on_epoch``. Metrics are fractions in [0, 1]."""

    run: int  # 0-based run index
    epoch: int  # 1-based
    loss: float  # training loss (reconstruction, plus the KL term for the VGAE)
    val_auc: float
    val_ap: float
    test_auc: float
    test_ap: float


@dataclass
class LinkResult:
    """The outcome of :func:`train_link`; AUC and AP are fractions in [0, 1]."""

    dataset: str
    model: str  # gae | vgae
    runs: int
    seeds: list[int]
    auc: list[float]  # test ROC AUC per run, at the epoch chosen by validation
    ap: list[float]  # test average precision per run, at the same epoch
    auc_mean: float
    auc_std: float  # sample standard deviation over runs (0 for one run)
    ap_mean: float
    ap_std: float
    val_auc: list[float]  # per run, at the chosen epoch
    val_ap: list[float]
    best_epoch: list[int]  # per run, the epoch with the highest validation AUC + AP
    epochs: list[int]  # per run, epochs trained
    reconstruction: str  # the loss used: "dense" or "sampled" (config.loss resolved)
    seconds: float  # time in the training loops, all runs
    device: str
    config: dict
    versions: dict = field(default_factory=dict)
    task: str = "link"
    partial: bool = False  # True if interrupted: only the finished runs are included
    fingerprint: str = ""  # SHA-256 of the dataset's tensors (gcnlab.io.checkpoint)
    history: list[list[LinkEpochStats]] = field(default_factory=list, repr=False)
    # per run, the model's weights (on the CPU) at the chosen epoch; not written to JSON
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)


@dataclass
class _Task:
    """One split on one device, in the form training uses."""

    adj: SparseMatrix  # normalized training graph Â^T: the only edges the encoder sees
    val: tuple[Tensor, Tensor]  # positive and negative pairs, [2, k] each
    test: tuple[Tensor, Tensor]
    recon: Callable[[Tensor], Tensor]  # reconstruction loss of the embeddings z [N, F]


def resolve_loss(loss: str, num_nodes: int) -> str:
    """``"dense"`` or ``"sampled"``: ``auto`` picks dense up to :data:`DENSE_MAX_NODES` nodes."""
    if loss == "auto":
        return "dense" if num_nodes <= DENSE_MAX_NODES else "sampled"
    return loss


def _features(data, config: LinkConfig) -> Tensor:  # noqa: ANN001 (a PyG Data)
    if config.features == "none":
        return torch.eye(data.num_nodes)
    if config.features == "raw" and data.name in planetoid.NAMES:
        # load_dataset row-normalizes (the GCN paper's input); the GAE paper feeds the raw values
        return planetoid.read_planetoid(resolve_root(config.root), data.name).x
    return data.x  # karate's one-hot ids are raw and normalized at once


def _dense_recon(split: LinkSplit, device: torch.device) -> Callable[[Tensor], Tensor]:
    # The paper's target: the training adjacency plus the identity; its weights count the
    # adjacency's entries without the diagonal.
    n = split.num_nodes
    loops = torch.arange(n, device=device)
    target = torch.cat([split.train_edge_index.to(device), torch.stack([loops, loops])], dim=1)
    pos_weight, norm = reconstruction_weights(n, 2 * split.train_pos.size(1))
    return lambda z: dense_recon_loss(z, target, pos_weight, norm)


def _sampled_recon(split: LinkSplit, device: torch.device) -> Callable[[Tensor], Tensor]:
    # Negatives avoid training edges only: avoiding validation or test edges would leak them.
    pos = split.train_pos.to(device)
    keys = edge_keys(pos, split.num_nodes)

    def recon(z: Tensor) -> Tensor:
        neg, valid = sample_non_edges(keys, split.num_nodes, pos.size(1))
        return sampled_recon_loss(z, pos, neg, valid)

    return recon


def _prepare(split: LinkSplit, reconstruction: str, device: torch.device) -> _Task:
    adj = normalized_adjacency(split.train_edge_index, num_nodes=split.num_nodes).to(device)
    on_device = split.to(device)
    recon = (_dense_recon if reconstruction == "dense" else _sampled_recon)(split, device)
    return _Task(adj, (on_device.val_pos, on_device.val_neg),
                 (on_device.test_pos, on_device.test_neg), recon)


def _build_model(config: LinkConfig, in_channels: int) -> GAE:
    if config.model == "vgae":
        return VGAE(VariationalGCNEncoder(in_channels, config.hidden, config.latent))
    return GAE(GCNEncoder(in_channels, config.hidden, config.latent))


@torch.no_grad()
def _evaluate(model: GAE, x: SparseMatrix, task: _Task) -> Tensor:
    """``[val_auc, val_ap, test_auc, test_ap]`` from the deterministic embeddings (the VGAE's
    means), on the device."""
    model.eval()
    z = model.encode(x, task.adj)  # [N, F]
    out = []
    for pos, neg in (task.val, task.test):
        pos_score, neg_score = model.decoder(z, pos), model.decoder(z, neg)
        out += [roc_auc(pos_score, neg_score), average_precision(pos_score, neg_score)]
    return torch.stack(out)


def _stats(run: int, epoch: int, row: list[float]) -> LinkEpochStats:
    return LinkEpochStats(run, epoch, *row)


def _check_finite(stats: LinkEpochStats, config: LinkConfig) -> None:
    if not math.isfinite(stats.loss):
        raise TrainingDiverged(
            f"training diverged at epoch {stats.epoch} of run {stats.run + 1} "
            f"(loss is {stats.loss}); lower the learning rate (now {config.lr})"
        )


class _BestWeights:
    """The weights at the epoch with the highest validation AUC + AP so far (the first, on
    ties, as ``argmax``), kept on the device without a host read: each epoch blends the new
    weights in with ``torch.where`` on a 0-d comparison."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.score = torch.tensor(-math.inf, dtype=torch.double,
                                  device=next(iter(self.state.values())).device)

    def update(self, model: torch.nn.Module, score: Tensor) -> None:
        better = score > self.score  # 0-d bool on the device
        self.score = torch.where(better, score, self.score)
        for key, value in model.state_dict().items():
            self.state[key] = torch.where(better, value.detach(), self.state[key])

    def cpu(self) -> dict[str, Tensor]:
        return {k: v.cpu() for k, v in self.state.items()}


def _train_run(x: SparseMatrix, task: _Task, config: LinkConfig, run: int, seed: int,
               on_epoch: Callable[[LinkEpochStats], None] | None
               ) -> tuple[LinkEpochStats, list[LinkEpochStats], dict[str, Tensor]]:
    seed_everything(seed)
    device = task.adj.values.device
    num_nodes = x.shape[0]
    model = _build_model(config, x.shape[1]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    # [epochs, 5]: loss, val AUC, val AP, test AUC, test AP, filled on the device
    table = torch.empty(config.epochs, 5, dtype=torch.double, device=device)
    history: list[LinkEpochStats] = []
    best_weights = _BestWeights(model)
    for epoch in range(1, config.epochs + 1):
        # Step 1: one full-batch gradient step on the training graph
        model.train()
        optimizer.zero_grad()
        z, kl = model(x, task.adj)  # z: [N, latent]
        loss = task.recon(z)
        if kl is not None:
            loss = loss + kl / num_nodes  # the paper's scaling of the KL term
        loss.backward()
        optimizer.step()
        # Step 2: score validation and test pairs with the updated model
        table[epoch - 1, 0] = loss.detach()
        table[epoch - 1, 1:] = _evaluate(model, x, task)
        best_weights.update(model, table[epoch - 1, 1] + table[epoch - 1, 2])
        if on_epoch is not None:  # the one host read of the epoch
            stats = _stats(run, epoch, table[epoch - 1].tolist())
            _check_finite(stats, config)
            history.append(stats)
            on_epoch(stats)
    if on_epoch is None:
        history = [_stats(run, e + 1, row) for e, row in enumerate(table.tolist())]
        for stats in history:
            _check_finite(stats, config)
    # Step 3: the epoch validation prefers (the first, on ties)
    best = int(torch.argmax(table[:, 1] + table[:, 2]))
    return history[best], history, best_weights.cpu()


def train_link(config: LinkConfig | None = None, *,
               on_epoch: Callable[[LinkEpochStats], None] | None = None) -> LinkResult:
    """Run ``config.runs`` seeded trainings and return their result.

    Args:
        config: hyper-parameters (default: the paper's GAE on Cora).
        on_epoch: called after every epoch of every run with its :class:`LinkEpochStats`.

    A ``KeyboardInterrupt`` after at least one finished run returns the finished runs with
    ``partial=True``; before that it propagates.
    """
    config = config or LinkConfig()
    config.validate()
    device = resolve_device(config.device)
    data = load_dataset(config.dataset, config.root)
    x = SparseMatrix.from_tensor(_features(data, config)).to(device)
    reconstruction = resolve_loss(config.loss, data.num_nodes)
    log.info("%s on %s: %s reconstruction, %s features, device %s", config.model, data.name,
             reconstruction, config.features, device)

    fixed: list[_Task] = []  # with --split-seed: the one split every run uses

    def setup(run: int) -> _Task:
        if fixed:
            return fixed[0]
        task = _prepare(_run_split(data, config, run), reconstruction, device)
        if config.split_seed is not None:
            fixed.append(task)
        return task

    runs = run_seeds(
        [config.seed + r for r in range(config.runs)],
        lambda run, seed, task: _train_run(x, task, config, run, seed, on_epoch),
        describe=lambda b: f"test AUC {b.test_auc:.4f}, AP {b.test_ap:.4f} at epoch {b.epoch}",
        setup=setup,
    )
    picked, histories = runs.picked, runs.histories
    auc, ap = [s.test_auc for s in picked], [s.test_ap for s in picked]
    auc_mean, auc_std = mean_std(auc)
    ap_mean, ap_std = mean_std(ap)
    return LinkResult(
        dataset=data.name, model=config.model, runs=len(picked), seeds=runs.seeds,
        auc=auc, ap=ap, auc_mean=auc_mean, auc_std=auc_std, ap_mean=ap_mean, ap_std=ap_std,
        val_auc=[s.val_auc for s in picked], val_ap=[s.val_ap for s in picked],
        best_epoch=[s.epoch for s in picked], epochs=[len(h) for h in histories],
        reconstruction=reconstruction, seconds=runs.seconds, device=str(device),
        config=dataclasses.asdict(config), versions=versions(), partial=runs.partial,
        fingerprint=dataset_fingerprint(data), history=histories, states=runs.states,
    )


def _run_split(data, config: LinkConfig, run: int) -> LinkSplit:  # noqa: ANN001 (a PyG Data)
    """The split run ``run`` of ``config`` trained and was scored on."""
    seed = config.seed + run if config.split_seed is None else config.split_seed
    return split_edges(data.edge_index, data.num_nodes, seed=seed)


def _saved_runs(checkpoint: Checkpoint, root: str | None, device: torch.device | str
                ) -> Iterator[tuple[GAE, SparseMatrix, _Task]]:
    """Each saved run's model, features and split, rebuilt on ``device`` after checking the
    data against the checkpoint's fingerprint."""
    config = config_from(LinkConfig, checkpoint, root=root)
    device = torch.device(device)
    data = load_dataset(config.dataset, config.root)
    check_fingerprint(checkpoint, data, f"the data root {resolve_root(config.root)}")
    x = SparseMatrix.from_tensor(_features(data, config)).to(device)
    reconstruction = resolve_loss(config.loss, data.num_nodes)
    for run in range(len(checkpoint.states)):
        task = _prepare(_run_split(data, config, run), reconstruction, device)
        model = load_states(checkpoint, _build_model(config, x.shape[1]), run).to(device)
        yield model, x, task


def evaluate_saved(checkpoint: Checkpoint, *, root: str | None = None,
                   device: torch.device | str = "cpu") -> dict[str, list[float]]:
    """Test ROC AUC and average precision of every run saved in ``checkpoint`` (see
    :mod:`gcnlab.io.checkpoint`), recomputed exactly as training scored them, on the data under
    ``root`` (default: the run's data root)."""
    auc, ap = [], []
    for model, x, task in _saved_runs(checkpoint, root, device):
        _, _, test_auc, test_ap = _evaluate(model, x, task).tolist()
        auc.append(test_auc)
        ap.append(test_ap)
    return {"auc": auc, "ap": ap}


@torch.no_grad()
def saved_test_scores(checkpoint: Checkpoint, *, root: str | None = None,
                      device: torch.device | str = "cpu") -> list[tuple[Tensor, Tensor]]:
    """Per saved run, the decoder's scores (logits, on the CPU) of the test edges ``[P]`` and
    of the test non-edges ``[Q]``: what ROC and precision-recall curves are drawn from."""
    out = []
    for model, x, task in _saved_runs(checkpoint, root, device):
        z = model.encode(x, task.adj)  # [N, latent]
        pos, neg = task.test
        out.append((model.decoder(z, pos).cpu(), model.decoder(z, neg).cpu()))
    return out
