"""Figures of link prediction: ROC and precision-recall curves on the test edges, and the
training loss with the validation AUC and AP per epoch."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gcnlab.plots.figure import (
    as_runs,
    curves_figure,
    new_figure,
    runs_title,
    save_png,
    shown_name,
)


def roc_pr_curves(pos: Tensor, neg: Tensor, path: str | os.PathLike[str], *, title: str) -> Path:
    """ROC and precision-recall curves of scores ``pos`` ``[P]`` (edges) against ``neg`` ``[Q]``
    (non-edges), with scikit-learn's ``roc_curve`` and ``precision_recall_curve``; the legends
    give the AUC and the average precision."""
    import numpy as np
    from sklearn.metrics import precision_recall_curve, roc_curve

    from gcnlab.tasks.link_metrics import average_precision, roc_auc

    scores = torch.cat([pos, neg]).detach().cpu().double().numpy()
    truth = np.concatenate([np.ones(pos.numel()), np.zeros(neg.numel())])
    fpr, tpr, _ = roc_curve(truth, scores)
    precision, recall, _ = precision_recall_curve(truth, scores)
    auc, ap = roc_auc(pos, neg).item(), average_precision(pos, neg).item()
    fig = new_figure(10, 4.5)
    roc_ax, pr_ax = fig.subplots(1, 2)
    roc_ax.plot(fpr, tpr, label=f"model (AUC {100 * auc:.1f}%)")
    roc_ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="chance (AUC 50%)")
    roc_ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title="ROC curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    # drawn as steps: average precision is the area under this step function
    pr_ax.step(recall, precision, where="post", label=f"model (AP {100 * ap:.1f}%)")
    base = pos.numel() / (pos.numel() + neg.numel())
    pr_ax.axhline(base, color="0.6", linestyle="--", label=f"chance (precision {base:.2f})")
    pr_ax.set(
        xlabel="recall",
        ylabel="precision",
        title="precision-recall curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right" if ax is roc_ax else "lower left")
    fig.suptitle(title)
    return save_png(fig, path)


def link_training_curves(
    history: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    title: str,
    chosen_epoch: int | None = None,
) -> Path:
    """Training loss, and validation AUC and AP, per epoch: one run's (its
    :class:`~gcnlab.LinkEpochStats`), or the mean over a list of runs with a band of one
    standard deviation."""
    panels = [
        ("training loss", "loss", [(lambda s: s.loss, "training loss", 1.0)]),
        ("validation AUC and AP", "%", [(lambda s: s.val_auc, "validation AUC", 100.0),
                                        (lambda s: s.val_ap, "validation AP", 100.0)]),
    ]
    return curves_figure(history, path, panels, title=title, chosen_epoch=chosen_epoch)


def link_figures(
    result: Any, folder: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """The training curves of every run (mean and spread) and the first run's ROC and
    precision-recall curves on the test edges (at its chosen epoch), as
    ``<dataset>_<model>_curves.png`` and ``<dataset>_<model>_roc_pr.png``.

    Args:
        result: a :class:`~gcnlab.LinkResult` with its ``states``.
        folder: where the PNGs go (created).
        root: the data root (default: the run's).
    """
    import dataclasses
    import statistics

    from gcnlab.io.checkpoint import Checkpoint
    from gcnlab.tasks.evaluate import saved_test_scores
    from gcnlab.train.graph_input import safe_name

    folder = Path(folder)
    first = dataclasses.replace(Checkpoint.from_result(result), states=result.states[:1])
    pos, neg = saved_test_scores(first, root=None if root is None else str(root))[0]
    name, model = shown_name(result.dataset), result.model
    run = f"run 1 (seed {result.seeds[0]})"
    runs = as_runs(result.history)
    curves = link_training_curves(
        runs,
        folder / f"{safe_name(name)}_{model}_curves.png",
        title=f"{model.upper()} on {name}, {runs_title(runs, result.seeds)}",
        chosen_epoch=int(statistics.median(result.best_epoch)),
    )
    roc_pr = roc_pr_curves(
        pos,
        neg,
        folder / f"{safe_name(name)}_{model}_roc_pr.png",
        title=f"{model.upper()} on {name}: {pos.numel()} test edges against {neg.numel()} "
        f"non-edges, {run}, epoch {result.best_epoch[0]}",
    )
    return [curves, roc_pr]
