"""Figures of the karate club as Kipf & Welling showed it: the members as points in the GCN's
2-D embedding, coloured by community, friendships drawn as lines, the labelled members ringed.

One figure for the untrained model, one small multiple of the training epochs, and the same
epochs as an animated GIF (written with Pillow, which matplotlib depends on). Each says once, in
a legend below its panels, what the colours, rings, lines and ``x-range`` are."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from gcnlab.plots.figure import DPI, class_colour, new_figure, save_png

EDGE = "0.75"  # the grey of friendships


def draw_club(
    ax: Any,
    points: Tensor | np.ndarray,
    labels: np.ndarray,
    edges: np.ndarray,
    labelled: Sequence[int],
    title: str,
) -> None:
    """Members ``points`` ``[34, 2]`` on ``ax``: edges ``[2, E]`` as gray lines, colour by
    community ``labels`` ``[34]``, the ``labelled`` members with a black ring. The panel zooms
    to its points; its x-axis span (in embedding units) is written below it (see
    :func:`club_legend`)."""
    from matplotlib.collections import LineCollection

    points = np.asarray(points, dtype=np.float64)
    segments = points[edges.T]  # [E, 2, 2]
    ax.add_collection(LineCollection(segments, colors=EDGE, linewidths=0.6, zorder=1))
    for c in np.unique(labels):
        mask = labels == c
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=60,
            color=class_colour(int(c)),
            label=f"community {c}",
            zorder=2,
            edgecolors="white",
            linewidths=0.5,
        )
    ring = list(labelled)
    ax.scatter(
        points[ring, 0],
        points[ring, 1],
        s=140,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
        label="labelled",
    )
    # each panel zooms to its points: the untrained embedding spans about 1/100 of the trained
    # one (small random weights, tanh near 0), and its shape is what matters
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, max(float((high - low).max()) / 2, 1e-6) * 1.15
    ax.set(
        xlim=(centre[0] - half, centre[0] + half),
        ylim=(centre[1] - half, centre[1] + half),
        xticks=[],
        yticks=[],
        title=title,
    )
    ax.set_aspect("equal")
    # below the panel, where no point can cover it; the y-axis spans as much (a square)
    ax.set_xlabel(f"x-range {2 * half:.2g}", fontsize=7, color="0.4", labelpad=2)


def club_legend(fig: Any, labels: np.ndarray, *, ncols: int) -> Any:
    """One legend for the whole figure, below its panels: the communities' colours, the rings
    (the members whose label the GCN trains on), the friendships and what ``x-range`` means.
    Needs the constrained layout (it makes room for the legend)."""
    from matplotlib.lines import Line2D

    dot = {"marker": "o", "linestyle": "none", "markeredgecolor": "white", "markersize": 8}
    handles = [
        Line2D([], [], markerfacecolor=class_colour(int(c)), label=f"community {c}", **dot)
        for c in np.unique(labels)
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor="none",
            markeredgecolor="black",
            markeredgewidth=1.5,
            markersize=11,
            label="ringed: labelled, the GCN trains on its label",
        ),
        Line2D([], [], color=EDGE, linewidth=1, label="line: friendship"),
        Line2D(
            [],
            [],
            linestyle="none",
            label="x-range: the x-axis's span (zoomed to the points)",
        ),
    ]
    return fig.legend(
        handles=handles, loc="outside lower center", ncols=ncols, fontsize=8, frameon=False
    )


def _club(result: Any) -> tuple[np.ndarray, np.ndarray]:
    from gcnlab.data.karate import read_karate_communities

    data = read_karate_communities(result.communities)
    edge_index = data.edge_index.numpy()
    return data.y.numpy(), edge_index[:, edge_index[0] < edge_index[1]]  # each friendship once


def untrained_plot(result: Any, path: str | os.PathLike[str]) -> Path:
    """:func:`untrained_figure` written as a PNG."""
    return save_png(untrained_figure(result), path, tight=False)


def untrained_figure(result: Any) -> Any:
    """Run 1's embedding before any training."""
    labels, edges = _club(result)
    fig = new_figure(5.5, 7.2)  # taller than the square panel needs: its title and legend fit
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    draw_club(
        ax,
        result.frames[0],
        labels,
        edges,
        result.labelled,
        f"untrained 3-layer GCN, karate club ({result.communities})\n"
        f"k-means on these points: ACC {100 * result.untrained_acc[0]:.0f}%",
    )
    club_legend(fig, labels, ncols=2)
    return fig


def frame_epochs(epochs: int, count: int) -> list[int]:
    """``count`` epochs from 0 to ``epochs``, denser early, where the embedding moves most."""
    picks = np.unique(np.round(np.geomspace(1, epochs + 1, count)).astype(int) - 1)
    return [int(e) for e in picks]


def training_frames(result: Any, path: str | os.PathLike[str], *, count: int = 8) -> Path:
    """:func:`training_figure` written as a PNG."""
    return save_png(training_figure(result, count=count), path, tight=False)


def training_figure(result: Any, *, count: int = 8) -> Any:
    """Run 1's embedding at ``count`` epochs, epoch 0 (untrained) to the last, side by side;
    each panel titled by its epoch and the accuracy on the members without a label."""
    labels, edges = _club(result)
    epochs = frame_epochs(len(result.frames) - 1, count)
    cols = min(4, len(epochs))
    rows = -(-len(epochs) // cols)
    fig = new_figure(3 * cols, 3.4 * rows + 1.4)
    # constrained, not tight: it keeps each row's titles clear of the row above and makes room
    # for the suptitle and the figure's legend
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    history = result.history[0]
    for ax, epoch in zip(axes, epochs, strict=False):
        acc = "" if epoch == 0 else f", {100 * history[epoch - 1].test_acc:.0f}%"
        draw_club(ax, result.frames[epoch], labels, edges, result.labelled, f"epoch {epoch}{acc}")
    for ax in axes[len(epochs) :]:
        ax.set_visible(False)
    others = len(labels) - len(result.labelled)
    fig.suptitle(
        f"karate club ({result.communities}): the GCN's 2-D embedding as it trains, run 1\n"
        f"above each panel: the epoch, the accuracy on the {others} members without a label"
    )
    club_legend(fig, labels, ncols=min(4, cols + 1))
    return fig


def training_gif(
    result: Any, path: str | os.PathLike[str], *, count: int = 60, ms_per_frame: int = 120
) -> Path:
    """Run 1's embedding at ``count`` evenly spaced epochs as an animated GIF."""
    from PIL import Image

    from gcnlab.utils.files import atomic_write_bytes

    labels, edges = _club(result)
    last = len(result.frames) - 1
    epochs = sorted({int(e) for e in np.linspace(0, last, min(count, last + 1))})
    images = []
    for epoch in epochs:
        fig = new_figure(4.5, 6.2)
        fig.set_layout_engine("constrained")
        ax = fig.subplots()
        draw_club(
            ax,
            result.frames[epoch],
            labels,
            edges,
            result.labelled,
            f"karate club ({result.communities}), epoch {epoch}",
        )
        club_legend(fig, labels, ncols=1)
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
        images.append(Image.fromarray(rgba[..., :3].copy()).quantize(colors=64))
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=ms_per_frame,
        loop=0,
        dpi=(DPI, DPI),
    )
    return atomic_write_bytes(path, buffer.getvalue())


def karate_figures(result: Any, folder: str | os.PathLike[str], *, gif: bool = True) -> list[Path]:
    """The figures of a :class:`~gcnlab.tasks.karate.KarateResult` (with its frames):
    ``karate_<communities>_untrained.png``, ``karate_<communities>_training.png`` and, with
    ``gif``, ``karate_<communities>_training.gif``."""
    folder = Path(folder)
    stem = folder / f"karate_{result.communities}"
    paths = [
        untrained_plot(result, f"{stem}_untrained.png"),
        training_frames(result, f"{stem}_training.png"),
    ]
    if gif:
        paths.append(training_gif(result, f"{stem}_training.gif"))
    return paths
