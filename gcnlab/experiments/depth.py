"""Model depth, the GCN paper's Appendix B: 1 to 10 layers, with and without residual connections.

For each dataset, depth and residual setting, :func:`depth_study` trains the node task
(:class:`~gcnlab.NodeConfig` with ``layers`` and ``residual``) with Appendix B's protocol: 400
epochs without early stopping, Adam at 0.01, dropout 0.5 before the first and the last layer, L2
5e-4 on the first layer, 16 hidden units; train and test accuracy are read at the last epoch.
Two splits:

- ``folds=0`` (the default): the public split, ``runs`` seeds, mean ± sample standard deviation;
- ``folds=K`` (the paper's protocol, ``K = 5``): stratified K-fold cross-validation over all
  labelled nodes (``NodeConfig(split="folds:K")``: run ``i`` trains on the other folds and tests
  on fold ``i``; the folds drawn from ``seed``), mean ± standard error over the folds. Train
  accuracy is on the training folds, test accuracy on the held-out fold.

The paper's figure has no table of numbers: its curves are the reference for the shape.

Beside the accuracies, each depth gets two measures of over-smoothing of the trained model's
output (:mod:`gcnlab.nn.smoothing`): the Dirichlet energy of the logits as a Rayleigh quotient,
:math:`\\mathrm{tr}(Z^\\top \\Delta Z) / \\mathrm{tr}(Z^\\top Z)` with :math:`\\Delta = I - \\tilde
D^{-1/2} \\tilde A \\tilde D^{-1/2}`, and their mean average (cosine) distance.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gcnlab.data.datasets import check_name, dataset_status
from gcnlab.errors import GcnlabError
from gcnlab.experiments.depth_config import DepthConfig
from gcnlab.experiments.tables import collect_rows, header, write_result
from gcnlab.io.results import versions
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.smoothing import dirichlet_energy, mean_average_distance
from gcnlab.tasks.node import NodeConfig, NodeResult, NodeTask, train_node
from gcnlab.utils.runtime import resolve_device
from gcnlab.utils.stats import mean_std, standard_error

log = logging.getLogger(__name__)


@dataclass
class DepthRow:
    """One point of the study; accuracies in percent, over the runs."""

    dataset: str
    layers: int
    residual: bool
    status: str  # ok | missing | failed | partial
    train_acc: list[float] = field(default_factory=list)  # per run, last epoch
    test_acc: list[float] = field(default_factory=list)
    energy: list[float] = field(default_factory=list)  # Rayleigh quotient of the logits
    mad: list[float] = field(default_factory=list)  # mean average distance of the logits
    seconds: float | None = None
    note: str = ""
    spread: str = "std"  # after ±: std (sample standard deviation) or sem (standard error)

    def mean_std(self, name: str) -> tuple[float, float] | None:
        values = getattr(self, name)
        return mean_std(values) if values else None

    def summary(self, name: str) -> tuple[float, float] | None:
        """Mean and the row's spread (std or standard error) of ``name``, or ``None``."""
        values = getattr(self, name)
        if not values:
            return None
        mean = mean_std(values)[0]
        return mean, standard_error(values) if self.spread == "sem" else mean_std(values)[1]


@dataclass
class DepthResult:
    """The outcome of :func:`depth_study`."""

    rows: list[DepthRow]
    config: dict
    device: str
    threads: int
    seconds: float
    started: str
    versions: dict
    partial: bool = False


@torch.no_grad()
def smoothing_of(result: NodeResult, config: NodeConfig) -> tuple[list[float], list[float]]:
    """Per run, the Dirichlet energy (Rayleigh quotient) and the MAD of the trained model's
    logits on every node, dropout off."""
    task = NodeTask.prepare(config, torch.device("cpu"))
    adj = normalized_adjacency(task.data.edge_index, num_nodes=task.data.num_nodes)
    energy, mad = [], []
    for state in result.states:
        model = task.make_model()
        model.load_state_dict(state)
        model.eval()
        logits = model(task.x, task.adj)  # [N, C]
        energy.append(dirichlet_energy(logits, adj, normalized=True))
        mad.append(mean_average_distance(logits))
    return energy, mad


def depth_study(
    config: DepthConfig | None = None,
    *,
    on_row: Callable[[DepthRow], None] | None = None,
    on_epoch: Callable[[Any], None] | None = None,
) -> DepthResult:
    """Train every (dataset, residual, depth) point and return the rows. A ``KeyboardInterrupt``
    keeps the finished rows (``partial=True``)."""
    config = config or DepthConfig()
    config.validate()
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.perf_counter()
    device = str(resolve_device(config.device))  # once, for every point
    config = dataclasses.replace(config, device=device)

    def points() -> Iterator[DepthRow]:
        for dataset in dict.fromkeys(check_name(d) for d in config.datasets):
            status = dataset_status(dataset, config.root)
            for residual in config.residual:
                for layers in config.depths:
                    yield _point(config, dataset, layers, residual, status, on_epoch)

    rows, partial = collect_rows(points(), on_row)
    return DepthResult(
        rows=rows,
        config=dataclasses.asdict(config),
        device=device,
        threads=torch.get_num_threads(),
        seconds=time.perf_counter() - clock,
        started=started.isoformat(timespec="seconds"),
        versions=versions(),
        partial=partial,
    )


def _point(
    config: DepthConfig,
    dataset: str,
    layers: int,
    residual: bool,
    status: str,
    on_epoch: Callable[[Any], None] | None,
) -> DepthRow:
    spread = config.spread
    if status.startswith("missing"):
        return DepthRow(
            dataset, layers, residual, "missing", note=f"not run: {status}", spread=spread
        )
    node_config = config.node_config(dataset, layers, residual)
    try:
        result = train_node(node_config, on_epoch=on_epoch)
    except GcnlabError as exc:
        log.warning("%s, %d layers: %s", dataset, layers, exc)
        return DepthRow(dataset, layers, residual, "failed", note=f"failed: {exc}", spread=spread)
    picked = zip(result.history, result.best_epoch, strict=True)
    train = [100 * history[epoch - 1].train_acc for history, epoch in picked]
    energy, mad = smoothing_of(result, node_config)
    return DepthRow(
        dataset,
        layers,
        residual,
        "partial" if result.partial else "ok",
        train_acc=train,
        test_acc=[100 * v for v in result.test_acc],
        energy=energy,
        mad=mad,
        seconds=result.seconds,
        spread=spread,
    )


# ---- tables ---------------------------------------------------------------------------------

COLUMNS = ("dataset", "layers", "residual", "train", "test", "energy", "MAD", "time")


def cells(row: DepthRow) -> list[str]:
    def fmt(name: str, digits: int) -> str:
        stats = row.summary(name)
        if stats is None:
            return {"missing": "not run: no data", "failed": "failed"}.get(row.status, "—")
        return f"{stats[0]:.{digits}f} ± {stats[1]:.{digits}f}"

    return [
        row.dataset,
        str(row.layers),
        "yes" if row.residual else "no",
        fmt("train_acc", 1),
        fmt("test_acc", 1),
        fmt("energy", 3),
        fmt("mad", 3),
        "—" if row.seconds is None else f"{row.seconds:.1f} s",
    ]


def to_markdown(result: DepthResult) -> str:
    config = result.config
    folds = config.get("folds", 0)
    if folds:
        protocol = (
            f"mean ± standard error (sample std / √{folds}) over {folds}-fold stratified "
            f"cross-validation on all labelled nodes (folds drawn from seed {config['seed']}; "
            "train: accuracy on the training folds, test: on the held-out fold), as the paper "
            "(Kipf & Welling 2017, Appendix B, Figure 5: 5-fold cross-validation, mean and "
            "standard error; a figure, no numbers to compare with)."
        )
    else:
        protocol = (
            f"mean ± sample standard deviation over {config['runs']} seed(s) from "
            f"{config['seed']}; public split (the paper: 5-fold cross-validation, Kipf & Welling "
            "2017, Appendix B, Figure 5: a figure, no numbers to compare with)."
        )
    lines = [
        *header(COLUMNS, numeric=set(COLUMNS) - {"dataset", "residual"}),
        *("| " + " | ".join(cells(row)) + " |" for row in result.rows),
        "",
        f"- Accuracy in percent at the last of {config['epochs']} epochs (no early stopping), "
        + protocol,
        "- energy: Dirichlet energy of the logits Z as a Rayleigh quotient, "
        "tr(Zᵀ(I − D̃^-1/2 Ã D̃^-1/2)Z) / tr(ZᵀZ) (0: constant up to degree scaling); MAD: mean "
        "cosine distance between the logits of all pairs of nodes (0: all parallel).",
        f"- Time: training loops of all runs, on {result.device} ({result.threads} CPU "
        f"thread(s)); gcnlab {result.versions.get('gcnlab')}, torch "
        f"{result.versions.get('torch')}; {result.started}"
        f"{' (interrupted: finished rows only)' if result.partial else ''}.",
    ]
    return "\n".join(lines) + "\n"


def write_tables(result: DepthResult, folder: str | os.PathLike[str]) -> list[Path]:
    """``depth.md`` and ``depth.json`` in ``folder`` (atomically)."""
    return write_result(result, folder, "depth", to_markdown(result))
