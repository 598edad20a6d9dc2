"""Figures of node classification: training curves, and the t-SNE of the GCN's hidden layer on
every node, coloured by class (Figure 2 of Kipf & Welling, 2017)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from torch import Tensor

from gcnlab.plots.figure import (
    as_runs,
    class_colour,
    class_name,
    curves_figure,
    new_figure,
    runs_title,
    save_png,
    shown_name,
)


def training_curves(
    history: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    title: str,
    chosen_epoch: int | None = None,
) -> Path:
    """Loss (training, validation) and accuracy (training, validation) per epoch: one run's, or
    the mean over runs with a band of one standard deviation.

    Args:
        history: one run's :class:`~gcnlab.ClassifierStats` in order, or a list of runs of them.
        path: the PNG to write.
        title: the figure's title.
        chosen_epoch: the epoch validation chose (the median over runs), marked with a dotted
            line. (default: none)
    """
    panels = [
        ("loss", "cross-entropy", [(lambda s: s.loss, "training loss (with dropout)", 1.0),
                                   (lambda s: s.val_loss, "validation loss", 1.0)]),
        ("accuracy", "accuracy (%)", [(lambda s: s.train_acc, "training accuracy", 100.0),
                                      (lambda s: s.val_acc, "validation accuracy", 100.0)]),
    ]
    return curves_figure(history, path, panels, title=title, chosen_epoch=chosen_epoch)


def tsne_plot(
    features: Tensor,
    labels: Tensor,
    path: str | os.PathLike[str],
    *,
    title: str,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
) -> Path:
    """A 2-d t-SNE (scikit-learn's, PCA start, seeded) of ``features`` ``[N, F]``, drawn by
    :func:`tsne_figure` with the classes ``labels`` ``[N]`` (``-1``: unlabeled)."""
    import numpy as np
    from sklearn.manifold import TSNE

    points = np.asarray(features.detach().cpu().double())
    n = points.shape[0]
    # perplexity must stay below the number of points; 30 is scikit-learn's default
    embedded = TSNE(
        n_components=2, init="pca", random_state=seed, perplexity=min(30.0, max(1.0, (n - 1) / 3))
    ).fit_transform(points)
    fig = tsne_figure(embedded, labels.detach().cpu().numpy(), title=title, class_names=class_names)
    return save_png(fig, path)


def tsne_figure(
    points: Any, labels: Any, *, title: str, class_names: Sequence[str] | None = None
) -> Any:
    """2-D ``points`` ``[N, 2]`` coloured by class ``labels`` ``[N]``: each class by its name in
    ``class_names`` (else ``class k``), unlabeled nodes (``-1``) in grey, drawn first (below the
    classes) and listed last."""
    import numpy as np

    classes = np.asarray(labels)
    n = len(classes)
    fig = new_figure(6.5, 6)
    ax = fig.subplots()
    handles = []
    for c in np.unique(classes):  # -1 first: the classes are drawn over the unlabeled
        mask = classes == c
        handles.append(
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                s=6 if n > 200 else 30,
                label=class_name(int(c), class_names),
                color=class_colour(int(c)),
                alpha=0.8,
                linewidths=0,
            )
        )
    if classes.min() < 0:
        handles = handles[1:] + handles[:1]
    ax.set(xlabel="t-SNE 1", ylabel="t-SNE 2", title=title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(handles=handles, fontsize=8, markerscale=2 if n > 200 else 1, loc="best")
    return fig


def node_figures(
    result: Any, folder: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """The training curves of every run (mean and spread) and the t-SNE of the first run's
    hidden layer (at its chosen epoch) on every node of the dataset, as
    ``<dataset>_gcn_curves.png`` and ``<dataset>_gcn_tsne.png`` (``sgc``, ``appnp``, ``gcnii``
    for those models: their representation before the classifier).

    Args:
        result: a :class:`~gcnlab.NodeResult` with its ``states``.
        folder: where the PNGs go (created).
        root: the data root (default: the run's).
    """
    import statistics

    from gcnlab.io.checkpoint import Checkpoint
    from gcnlab.tasks.evaluate import saved_runs
    from gcnlab.train.graph_input import safe_name

    folder = Path(folder)
    checkpoint = Checkpoint.from_result(result)
    # the first run's model on the data it was trained on (checked by fingerprint)
    task, model = next(saved_runs(checkpoint, root=None if root is None else str(root)))
    name = shown_name(result.dataset)
    runs = as_runs(result.history)
    kind = str(result.config.get("model", "gcn"))  # a record from before `model`: the GCN
    label = kind.upper()
    curves = training_curves(
        runs,
        folder / f"{safe_name(name)}_{kind}_curves.png",
        title=f"{label} on {name}, {runs_title(runs, result.seeds)}",
        chosen_epoch=int(statistics.median(result.best_epoch)),
    )
    hidden = task.embed(model).cpu()  # [N, hidden] in the input's node order
    tsne = tsne_plot(
        hidden,
        task.data.y.cpu(),  # the input's order too (task.y is in training order: --reorder)
        folder / f"{safe_name(name)}_{kind}_tsne.png",
        seed=result.seeds[0],
        class_names=task.data.get("class_names"),
        title=f"t-SNE of the {label}'s hidden layer ({hidden.size(1)} units), all {hidden.size(0)} "
        f"{name} nodes\nrun 1, epoch {result.best_epoch[0]}; test accuracy "
        f"{100 * result.test_acc[0]:.1f}%",
    )
    return [curves, tsne]
