"""What every figure shares: an Agg-only figure and an atomic PNG write."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

DPI = 110


def new_figure(width: float, height: float) -> Any:
    """A matplotlib ``Figure`` on an Agg canvas (inches); no display, no pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Any, path: str | os.PathLike[str], *, tight: bool = True) -> Path:
    """Lay out ``fig`` (``tight_layout``, unless the caller placed the axes itself) and write it
    as a PNG, atomically; returns the path."""
    from gcnlab.utils.files import atomic_write_bytes

    if tight:
        fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return atomic_write_bytes(path, buffer.getvalue())


def mark_epoch(ax: Any, epoch: int | None) -> None:
    """A dotted vertical line at the epoch validation chose."""
    if epoch is not None:
        ax.axvline(epoch, color="0.4", linestyle=":", linewidth=1, label=f"chosen epoch ({epoch})")
