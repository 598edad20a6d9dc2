"""Figures of receptive fields: effective receptive fields on the grid, neighbourhood sizes and
influence per hop on a graph."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from gcnlab.plots.figure import new_figure, save_png

TITLES = {
    "ones": "all-ones kernels",
    "random": "random weights + ReLU",
    "gcn": "GCN blur (pixel graph)",
    "trained": "trained on digits + ReLU",
}


def receptive_figures(result: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """``receptive_grid.png`` (one row per kind of kernel, one column per depth; the theoretical
    field outlined) and ``receptive_graph.png`` (neighbourhood sizes per hop, log scale, and the
    influence per hop of the untrained and trained GCN).

    Args:
        result: a :class:`~gcnlab.experiments.receptive.ReceptiveResult`.
        folder: where the PNGs go (created).
    """
    folder = Path(folder)
    return [
        _grid(result, folder / "receptive_grid.png"),
        _graph(result, folder / "receptive_graph.png"),
    ]


def _grid(result: Any, path: Path) -> Path:
    from matplotlib.patches import Rectangle

    kinds = list(dict.fromkeys(f.kind for f in result.grid))
    depths = sorted({f.layers for f in result.grid})
    fig = new_figure(2.1 * len(depths) + 2.4, 2.2 * len(kinds) + 0.6)
    # panels on the left, a strip for the row names, one colour bar on the right
    grid = fig.add_gridspec(
        len(kinds),
        len(depths),
        left=0.12,
        right=0.86,
        top=0.88,
        bottom=0.03,
        wspace=0.15,
        hspace=0.35,
    )
    image = None
    for row, kind in enumerate(kinds):
        for col, layers in enumerate(depths):
            ax = fig.add_subplot(grid[row, col])
            ax.set_xticks([])
            ax.set_yticks([])
            f = next((f for f in result.grid if (f.kind, f.layers) == (kind, layers)), None)
            if f is None:  # a kind not measured at this depth: no empty frame
                ax.set_axis_off()
                continue
            erf = np.asarray(f.erf)
            image = ax.imshow(
                erf / erf.max(), cmap="magma", vmin=0, vmax=1, interpolation="nearest"
            )
            centre, half = erf.shape[0] // 2, f.theoretical / 2
            ax.add_patch(
                Rectangle(
                    (centre - half, centre - half),
                    f.theoretical,
                    f.theoretical,
                    fill=False,
                    edgecolor="cyan",
                    linewidth=1,
                    linestyle="--",
                )
            )
            ax.set_title(f"L = {f.layers}, radius {f.radius:.2f} px", fontsize=8)
            if col == 0:
                ax.set_ylabel(TITLES[kind], fontsize=9)
    if image is not None:
        cax = fig.add_axes((0.89, 0.15, 0.02, 0.65))
        fig.colorbar(image, cax=cax, label="ERF / its maximum (dashed: theoretical field)")
    fig.suptitle("Effective receptive field of the centre output pixel (Luo et al. 2016)")
    return save_png(fig, path, tight=False)


def _graph(result: Any, path: Path) -> Path:
    fig = new_figure(11, 4)
    size_ax, influence_ax = fig.subplots(1, 2)
    sizes = np.asarray(result.sizes)
    hops = list(range(sizes.shape[0]))
    size_ax.boxplot([sizes[h] for h in hops], positions=hops, showfliers=False)
    size_ax.plot(hops, sizes.mean(1), "o-", label="mean")
    size_ax.axhline(result.num_nodes, color="0.5", linestyle=":", label="all nodes")
    size_ax.set(
        yscale="log",
        xlabel="hops L",
        ylabel="nodes within L hops",
        title=f"{result.dataset}: L-hop neighbourhood sizes",
    )
    size_ax.legend()
    labels = [f"{h}" for h in range(len(next(iter(result.influence.values()))) - 1)] + ["more"]
    width = 0.8 / max(len(result.influence), 1)
    for i, (name, shares) in enumerate(result.influence.items()):
        x = np.arange(len(shares)) + (i - (len(result.influence) - 1) / 2) * width
        influence_ax.bar(x, 100 * np.asarray(shares), width, label=f"GCN, {name}")
    influence_ax.set_xticks(np.arange(len(labels)), labels)
    influence_ax.set(
        xlabel="hop distance",
        ylabel="share of the influence (%)",
        title="influence on a node's output, per hop (two-layer GCN)",
    )
    influence_ax.legend()
    return save_png(fig, path)
