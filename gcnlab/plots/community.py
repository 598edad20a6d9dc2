"""Figures of community detection: the embedding k-means clustered, coloured by class and by
cluster side by side, and the contingency matrix of clusters against classes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from gcnlab.plots.figure import (
    class_colour,
    class_name,
    fit_width,
    new_figure,
    save_png,
    shown_name,
)

UNMATCHED = "0.6"  # the colour of clusters left without a class by the matching


def project_2d(embedding: Tensor | np.ndarray, *, seed: int = 0) -> np.ndarray:
    """``embedding`` ``[N, D]`` as 2-D points ``[N, 2]``: itself if ``D <= 2``, else
    scikit-learn's t-SNE (PCA start, seeded)."""
    if isinstance(embedding, Tensor):
        embedding = embedding.detach().cpu().double().numpy()
    points = np.asarray(embedding, dtype=np.float64)
    if points.shape[1] == 1:
        return np.column_stack([points[:, 0], np.zeros(len(points))])
    if points.shape[1] == 2:
        return points
    from sklearn.manifold import TSNE

    perplexity = min(30.0, max(1.0, (len(points) - 1) / 3))  # must stay below the point count
    return TSNE(n_components=2, init="pca", random_state=seed, perplexity=perplexity).fit_transform(
        points
    )


def _scatter(
    ax: Any, points: np.ndarray, groups: np.ndarray, title: str, name: Callable[[int], str]
) -> None:
    """One colour per group (``-1``, unlabeled or unmatched: grey, drawn first, listed last),
    named in the legend by ``name(group)``."""
    small = len(points) <= 200
    handles = []
    for g in np.unique(groups):
        mask = groups == g
        handles.append(
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                s=30 if small else 5,
                color=UNMATCHED if g < 0 else class_colour(int(g)),
                label=name(int(g)),
                alpha=0.8,
                linewidths=0,
            )
        )
    if groups.min() < 0:
        handles = handles[1:] + handles[:1]
    ax.set(title=title, xticks=[], yticks=[])
    ax.legend(handles=handles, fontsize=7, markerscale=1 if small else 2, loc="best")


def embedding_plot(
    points: np.ndarray,
    clusters: np.ndarray,
    path: str | os.PathLike[str],
    *,
    labels: np.ndarray | None,
    title: str,
    class_names: Sequence[str] | None = None,
) -> Path:
    """:func:`embedding_figure` written as a PNG."""
    fig = embedding_figure(points, clusters, labels=labels, title=title, class_names=class_names)
    return save_png(fig, path)


def embedding_figure(
    points: np.ndarray,
    clusters: np.ndarray,
    *,
    labels: np.ndarray | None,
    title: str,
    class_names: Sequence[str] | None = None,
) -> Any:
    """2-D ``points`` ``[N, 2]`` coloured by class (left) and by cluster (right), or by cluster
    alone without ``labels``. Each cluster takes the colour of the class it is matched to
    (grey: matched to none), so agreement reads as equal colours. A label ``-1`` marks an
    unlabeled node (grey on the left; the matching and ACC use the labelled nodes). Classes
    are called by ``class_names`` where the graph has them, else ``class k``."""
    from gcnlab.community.scores import cluster_scores, match_map

    if labels is None:
        fig = new_figure(6.5, 6)
        _scatter(fig.subplots(), points, clusters, "clusters", lambda g: f"cluster {g}")
    else:
        fig = new_figure(12, 5.8)
        by_class, by_cluster = fig.subplots(1, 2)
        _scatter(by_class, points, labels, "true classes", lambda g: class_name(g, class_names))
        known = labels >= 0
        acc = cluster_scores(labels[known], clusters[known]).acc
        rename = match_map(labels[known], clusters[known])
        colours = np.array([rename.get(int(c), -1) for c in clusters])
        _scatter(
            by_cluster,
            points,
            colours,
            f"clusters, coloured by matched class (ACC {100 * acc:.1f}%)",
            lambda g: "unmatched" if g < 0 else class_name(g, class_names),
        )
    fig.suptitle(title)
    return fig


def contingency_plot(
    labels: np.ndarray,
    clusters: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str,
    class_names: Sequence[str] | None = None,
) -> Path:
    """:func:`contingency_figure` written as a PNG."""
    fig = contingency_figure(labels, clusters, title=title, class_names=class_names)
    return save_png(fig, path)


def contingency_figure(
    labels: np.ndarray,
    clusters: np.ndarray,
    *,
    title: str,
    class_names: Sequence[str] | None = None,
) -> Any:
    """The contingency matrix, clusters (rows, in the order of their matched class) against
    classes (columns, by ``class_names`` where given), with the counts written in; matched cells
    are outlined. Nodes labelled ``-1`` (unlabeled) are left out. The title is wrapped to the
    figure's width (a few classes make a narrow figure)."""
    from gcnlab.community.scores import contingency, match_clusters

    known = labels >= 0
    cont = contingency(labels[known], clusters[known])
    rows, cols = match_clusters(cont.table)
    # matched clusters first, ordered by their class; the rest after
    order = [int(r) for _, r in sorted(zip(cols.tolist(), rows.tolist(), strict=True))]
    order += [r for r in range(len(cont.clusters)) if r not in order]
    table = cont.table[order]
    k, c = table.shape
    fig = new_figure(max(3.5, 1.2 + 0.6 * c), 1.0 + 0.5 * k)
    ax = fig.subplots()
    image = ax.imshow(table, cmap="Blues", aspect="auto")
    for i in range(k):
        for j in range(c):
            ax.text(
                j,
                i,
                str(table[i, j]),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if table[i, j] > table.max() / 2 else "black",
            )
    for r, col in zip(rows.tolist(), cols.tolist(), strict=True):
        ax.add_patch(_outline(order.index(r), col))
    names = [str(class_names[v]) if class_names else str(v) for v in cont.classes]
    ax.set(
        xticks=range(c),
        yticks=range(k),
        yticklabels=[str(cont.clusters[r]) for r in order],
        xlabel="class",
        ylabel="cluster",
    )
    slant = max(len(n) for n in names) > 3  # names wider than a column lean, to stay apart
    ax.set_xticklabels(names, rotation=30 if slant else 0, ha="right" if slant else "center")
    fig.colorbar(image, ax=ax, label="nodes")
    # over the whole figure (the axes sit left of the colour bar), wrapped to fit its width;
    # each line it wraps onto makes the figure taller, so the matrix keeps its height
    suptitle = fig.suptitle(title)
    fit_width(fig, suptitle)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + 0.25 * suptitle.get_text().count("\n"))
    return fig


def _outline(row: int, col: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="C3", linewidth=1.5)


def cluster_figures(
    result: Any, folder: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Run 1 of a :class:`~gcnlab.community.detect.ClusterResult`: its embedding (t-SNE if more than
    2-D) coloured by class and by cluster, ``<dataset>_<method>_embedding.png``, and the
    contingency matrix, ``<dataset>_<method>_contingency.png`` (only with labels).

    The labels come from the dataset, reloaded from ``root`` (default: the run's) and checked
    against the result's fingerprint.
    """
    from gcnlab.community.detect import ClusterConfig, labelled_nodes
    from gcnlab.errors import DataError
    from gcnlab.io.checkpoint import dataset_fingerprint
    from gcnlab.train.graph_input import safe_name

    if result.embedding is None or not result.clusters:
        raise DataError("this result has no clusters to draw (was it read back from JSON?)")
    folder = Path(folder)
    config = ClusterConfig(**result.config)
    data = config.load_graph(None if root is None else str(root))
    if dataset_fingerprint(data) != result.fingerprint:
        raise DataError(f"the {result.dataset} data found is not what was clustered")
    labels = None if labelled_nodes(data) is None else data.y.numpy()
    class_names = data.get("class_names")
    clusters = np.asarray(result.clusters[0])
    stem = f"{safe_name(result.dataset)}_{result.model}"
    points = project_2d(result.embedding, seed=result.seeds[0])
    dims = int(result.embedding.shape[1])
    how = "t-SNE of " if dims > 2 else ""
    paths = [
        embedding_plot(
            points,
            clusters,
            folder / f"{stem}_embedding.png",
            labels=labels,
            class_names=class_names,
            title=f"{result.model} on {shown_name(result.dataset)}: {how}what k-means clustered "
            f"({dims}-d), run 1 (seed {result.seeds[0]})",
        )
    ]
    if labels is not None:
        paths.append(
            contingency_plot(
                labels,
                clusters,
                folder / f"{stem}_contingency.png",
                title=f"{result.model} on {shown_name(result.dataset)}, run 1: clusters × classes",
                class_names=class_names,
            )
        )
    return paths
