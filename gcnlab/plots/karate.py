"""Figures of the karate club as Kipf & Welling showed it: the members as points in the GCN's
2-D embedding, coloured by community, friendships drawn as lines, the labelled members ringed.

One figure for the untrained model, one small multiple of the training epochs, and the same
epochs as an animated GIF (written with Pillow, which matplotlib depends on)."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from gcnlab.plots.figure import DPI, new_figure, save_png


def draw_club(
    ax: Any,
    points: Tensor | np.ndarray,
    labels: np.ndarray,
    edges: np.ndarray,
    labelled: Sequence[int],
    title: str,
) -> None:
    """Members ``points`` ``[34, 2]`` on ``ax``: edges ``[2, E]`` as gray lines, colour by
    community ``labels`` ``[34]``, the ``labelled`` members with a black ring."""
    from matplotlib.collections import LineCollection

    points = np.asarray(points, dtype=np.float64)
    segments = points[edges.T]  # [E, 2, 2]
    ax.add_collection(LineCollection(segments, colors="0.75", linewidths=0.6, zorder=1))
    for c in np.unique(labels):
        mask = labels == c
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=60,
            color=f"C{int(c) % 10}",
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
    ax.text(
        0.02, 0.02, f"width {2 * half / 1.15:.2g}", transform=ax.transAxes, fontsize=7, color="0.4"
    )


def _club(result: Any) -> tuple[np.ndarray, np.ndarray]:
    from gcnlab.data.karate import read_karate_communities

    data = read_karate_communities(result.communities)
    edge_index = data.edge_index.numpy()
    return data.y.numpy(), edge_index[:, edge_index[0] < edge_index[1]]  # each friendship once


def untrained_plot(result: Any, path: str | os.PathLike[str]) -> Path:
    """Run 1's embedding before any training."""
    labels, edges = _club(result)
    fig = new_figure(5.5, 5.5)
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
    ax.legend(fontsize=7, loc="lower right")
    return save_png(fig, path)


def frame_epochs(epochs: int, count: int) -> list[int]:
    """``count`` epochs from 0 to ``epochs``, denser early, where the embedding moves most."""
    picks = np.unique(np.round(np.geomspace(1, epochs + 1, count)).astype(int) - 1)
    return [int(e) for e in picks]


def training_frames(result: Any, path: str | os.PathLike[str], *, count: int = 8) -> Path:
    """Run 1's embedding at ``count`` epochs, epoch 0 (untrained) to the last, side by side."""
    labels, edges = _club(result)
    epochs = frame_epochs(len(result.frames) - 1, count)
    cols = min(4, len(epochs))
    rows = -(-len(epochs) // cols)
    fig = new_figure(3 * cols, 3 * rows + 0.4)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    history = result.history[0]
    for ax, epoch in zip(axes, epochs, strict=False):
        acc = "" if epoch == 0 else f", {100 * history[epoch - 1].test_acc:.0f}%"
        draw_club(ax, result.frames[epoch], labels, edges, result.labelled, f"epoch {epoch}{acc}")
    for ax in axes[len(epochs) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"karate club ({result.communities}): one labelled member per community; "
        f"accuracy on the others"
    )
    return save_png(fig, path)


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
        fig = new_figure(4.5, 4.5)
        ax = fig.subplots()
        draw_club(
            ax,
            result.frames[epoch],
            labels,
            edges,
            result.labelled,
            f"karate club ({result.communities}), epoch {epoch}",
        )
        fig.tight_layout()
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
