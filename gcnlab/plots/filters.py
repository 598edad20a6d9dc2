"""Labelled grayscale panels: the tutorial filters' outputs, digits kernels and feature maps."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from gcnlab.experiments.filters import FilterOutput


def draw_grid(
    panels: list[tuple[str, Tensor] | tuple[str, Tensor, tuple[float, float]]],
    path: str | os.PathLike[str],
    *,
    columns: int | None = None,
    title: str | None = None,
) -> Path:
    """Draw labelled grayscale panels in a grid and write a PNG (atomically).

    Each panel is ``(label, array2d)`` (shown over its own range) or ``(label, array2d,
    (vmin, vmax))``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from gcnlab.utils.files import atomic_write_bytes

    columns = columns or min(len(panels), 8)
    rows = -(-len(panels) // columns)
    height, width = np.shape(panels[0][1])[-2:]
    row_height = 2.4 * height / width + 0.5  # inches: the panel at its aspect, plus its label
    fig = Figure(figsize=(2.4 * columns, row_height * rows + (0.4 if title else 0)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (label, array, *limits) in zip(axes.flat, panels, strict=False):
        data = np.asarray(array.detach().cpu() if isinstance(array, Tensor) else array)
        vmin, vmax = limits[0] if limits else (None, None)
        ax.imshow(data, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return atomic_write_bytes(path, buffer.getvalue())


def draw_kernels(
    kernels: Tensor,
    path: str | os.PathLike[str],
    *,
    columns: int = 8,
    title: str | None = None,
) -> Path:
    """Learned kernels ``[c, kh, kw]`` on a diverging colour map centred on zero (red positive,
    blue negative, one scale shared by all, ± the largest magnitude) with a colour bar; a
    grid of ``columns`` columns, the unused cells of the last row left blank."""
    import math

    from gcnlab.plots.figure import new_figure, save_png

    kernels = kernels.detach().cpu()
    count = kernels.size(0)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    limit = float(kernels.abs().max()) or 1.0
    fig = new_figure(1.3 * columns + 1.2, 1.4 * rows + (0.5 if title else 0.2))
    grid = fig.add_gridspec(
        rows,
        columns,
        left=0.03,
        right=0.85,
        top=0.85 if title else 0.95,
        bottom=0.03,
        wspace=0.25,
        hspace=0.4,
    )
    image = None
    for i in range(count):
        ax = fig.add_subplot(grid[i // columns, i % columns])
        image = ax.imshow(
            kernels[i].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"filter {i}", fontsize=8)
    cax = fig.add_axes((0.88, 0.15, 0.025, 0.7))
    fig.colorbar(image, cax=cax, label="weight (0 = white)")
    if title:
        fig.suptitle(title, fontsize=11)
    return save_png(fig, path, tight=False)


def draw_feature_maps(
    image: Tensor,
    maps: Tensor,
    path: str | os.PathLike[str],
    *,
    label: int,
    predicted: int,
    columns: int = 8,
    title: str | None = None,
) -> Path:
    """The input image (with its label and the network's prediction) on the left, and its
    feature maps ``[c, H, W]`` in a grid on the right, all maps on one colour scale from 0 to
    the largest activation, with a colour bar."""
    import math

    from gcnlab.plots.figure import new_figure, save_png

    maps = maps.detach().cpu()
    count = maps.size(0)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    top = float(maps.max()) or 1.0
    fig = new_figure(1.3 * columns + 3.6, max(1.3 * rows, 2.6) + (0.5 if title else 0.2))
    outer = fig.add_gridspec(
        1,
        2,
        width_ratios=(2.2, 1.3 * columns),
        left=0.02,
        right=0.9,
        top=0.85 if title else 0.95,
        bottom=0.03,
        wspace=0.08,
    )
    ax = fig.add_subplot(outer[0])
    ax.imshow(image.detach().cpu().numpy(), cmap="gray_r", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f"input: label {label}\npredicted {predicted}",
        fontsize=10,
        color="black" if label == predicted else "red",
    )
    inner = outer[1].subgridspec(rows, columns, wspace=0.15, hspace=0.35)
    shown = None
    for i in range(count):
        ax = fig.add_subplot(inner[i // columns, i % columns])
        shown = ax.imshow(
            maps[i].numpy(), cmap="magma", vmin=0.0, vmax=top, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"map {i}", fontsize=7)
    cax = fig.add_axes((0.92, 0.15, 0.015, 0.7))
    fig.colorbar(shown, cax=cax, label="activation (after ReLU)")
    if title:
        fig.suptitle(title, fontsize=11)
    return save_png(fig, path, tight=False)


def _response(out: FilterOutput) -> tuple[Tensor, tuple[float, float], str]:
    """The response to show, its colour limits, and how it was scaled."""
    if abs(float(out.kernel.sum())) < 1e-6:
        # |response|, scaled so the strongest 1% saturate (the zero padding's frame would
        # otherwise set the scale)
        magnitude = out.image.abs()
        top = float(torch.quantile(magnitude.flatten().double(), 0.99))
        return magnitude, (0.0, max(top, 1e-12)), "|response|, top 1% saturated"
    return out.image.clamp(0, 1), (0.0, 1.0), "response clipped to [0, 1]"


def draw_filters(
    image: Tensor,
    outputs: list[FilterOutput],
    path: str | os.PathLike[str],
    title: str | None = None,
) -> Path:
    """The original image, then each filter as a pair: its 3×3 kernel (diverging colours,
    centred on zero, the weights written in the cells) beside its response, with how the
    response is scaled in the panel's title and the caption.

    Edge filters (kernel sums to 0) are shown as ``|response|`` scaled so that the strongest
    1 % saturate; the others clipped to [0, 1], like the image.
    """
    from gcnlab.plots.figure import new_figure, save_png

    pairs = 3  # filter pairs (kernel, response) per row
    rows = 1 + -(-len(outputs) // pairs)
    height, width = np.shape(image)[-2:]
    panel = 2.6 * height / width + 0.7
    fig = new_figure(2 * pairs * 2.6, panel * rows + 0.9)
    grid = fig.add_gridspec(
        rows,
        2 * pairs,
        width_ratios=[0.55, 1.0] * pairs,
        left=0.02,
        right=0.98,
        top=1 - 0.6 / (panel * rows + 0.9),
        bottom=0.06,
        wspace=0.15,
        hspace=0.45,
    )
    ax = fig.add_subplot(grid[0, :])
    ax.imshow(
        np.asarray(image.detach().cpu()), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest"
    )
    ax.set_axis_off()
    ax.set_title("original (grayscale, 0 to 1)", fontsize=9)
    for i, out in enumerate(outputs):
        row, col = 1 + i // pairs, 2 * (i % pairs)
        kernel = out.kernel.detach().cpu()
        limit = float(kernel.abs().max()) or 1.0
        k_ax = fig.add_subplot(grid[row, col])
        k_ax.imshow(kernel.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        for (a, b), value in np.ndenumerate(kernel.numpy()):
            dark = abs(value) > 0.6 * limit  # white text on the saturated cells
            k_ax.text(
                b,
                a,
                f"{value:.3g}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
            )
        k_ax.set_xticks([])
        k_ax.set_yticks([])
        k_ax.set_title(f"{out.name}\nkernel", fontsize=8)
        response, (vmin, vmax), scaling = _response(out)
        check = (
            "GCNConv on the pixel graph"
            if out.name == "gcn-on-grid"
            else "GridConv = Conv2d"
            if out.matches
            else "GridConv != Conv2d"
        )
        r_ax = fig.add_subplot(grid[row, col + 1])
        r_ax.imshow(
            np.asarray(response), cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest"
        )
        r_ax.set_axis_off()
        r_ax.set_title(f"{check}\n{scaling}", fontsize=8)
    fig.text(
        0.5,
        0.01,
        "Kernels: red positive, blue negative, white 0 (each kernel on its own "
        "scale).\nResponses: edge filters (weights sum to 0) as |response| with the top 1% "
        "saturated; the others clipped to [0, 1], like the image.",
        ha="center",
        fontsize=8,
    )
    if title:
        fig.suptitle(title, fontsize=11)
    return save_png(fig, path, tight=False)
