"""Figures of a run, as PNG files: training curves, t-SNE of the GCN's hidden layer, ROC and
precision-recall curves of link prediction, the digits CNN's first layer.

Each function takes the data to draw and a path, writes the PNG atomically and returns the path.
matplotlib is imported only inside them, and only its Agg canvas is used (no display, no global
pyplot state), so ``import gcnlab`` and ``import gcnlab.plots`` stay free of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def draw_result(
    result: Any, folder: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Every figure for a node, link or image (digits) result, written into ``folder``.

    Args:
        result: a :class:`~gcnlab.NodeResult`, :class:`~gcnlab.LinkResult` or
            :class:`~gcnlab.tasks.image.DigitsResult` (with its ``states``).
        folder: where the PNGs go (created).
        root: the data root for graphs (default: the run's).
    """
    folder = Path(folder)
    if result.task == "node":
        from gcnlab.plots.node import node_figures

        return node_figures(result, folder, root=root)
    if result.task == "link":
        from gcnlab.plots.link import link_figures

        return link_figures(result, folder, root=root)
    from gcnlab.plots.digits import digits_figures

    return digits_figures(result, folder)
