"""Labelled grayscale panels: the tutorial filters' outputs, digits kernels and feature maps."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from gcnlab.tasks.filters import FilterOutput


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


def draw_filters(
    image: Tensor,
    outputs: list[FilterOutput],
    path: str | os.PathLike[str],
    title: str | None = None,
) -> Path:
    """The original and every filter output, labelled, as one PNG.

    Edge filters (kernel sums to 0) are shown as ``|output|`` scaled to its maximum; the others
    clipped to [0, 1], like the image.
    """
    panels: list = [("original", image, (0.0, 1.0))]
    for out in outputs:
        check = (
            "GCNConv on the pixel graph"
            if out.name == "gcn-on-grid"
            else "GridConv = Conv2d"
            if out.matches
            else "GridConv != Conv2d"
        )
        label = f"{out.name}\n({check})"
        if abs(float(out.kernel.sum())) < 1e-6:
            # |response|, scaled so the strongest 1% saturate (the zero padding's frame would
            # otherwise set the scale)
            magnitude = out.image.abs()
            top = float(torch.quantile(magnitude.flatten().double(), 0.99))
            panels.append((label, magnitude, (0.0, max(top, 1e-12))))
        else:
            panels.append((label, out.image.clamp(0, 1), (0.0, 1.0)))
    return draw_grid(panels, path, columns=4, title=title)
