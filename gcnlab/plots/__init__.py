"""Figures of a run, as PNG files: training curves, t-SNE of the GCN's hidden layer, ROC and
precision-recall curves of link prediction, the digits CNN's first layer, clusters against
classes, and the karate club's 2-D embedding.

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
    """Every figure for a node, link, image (digits), cluster or karate result, written into
    ``folder``.

    Args:
        result: a :class:`~gcnlab.NodeResult`, :class:`~gcnlab.LinkResult`,
            :class:`~gcnlab.DigitsResult` (with its ``states``), :class:`~gcnlab.ClusterResult`
            (with its clusters) or :class:`~gcnlab.KarateResult` (with its frames).
        folder: where the PNGs go (created).
        root: the data root for graphs (default: the run's).
    """
    from gcnlab.community.detect import ClusterResult
    from gcnlab.plots.community import cluster_figures
    from gcnlab.plots.digits import digits_figures
    from gcnlab.plots.karate import karate_figures
    from gcnlab.plots.link import link_figures
    from gcnlab.plots.node import node_figures
    from gcnlab.tasks.digits import DigitsResult
    from gcnlab.tasks.karate import KarateResult
    from gcnlab.tasks.link import LinkResult
    from gcnlab.tasks.node import NodeResult

    folder = Path(folder)
    if isinstance(result, NodeResult):
        return node_figures(result, folder, root=root)
    if isinstance(result, LinkResult):
        return link_figures(result, folder, root=root)
    if isinstance(result, DigitsResult):
        return digits_figures(result, folder)
    if isinstance(result, ClusterResult):
        return cluster_figures(result, folder, root=root)
    if isinstance(result, KarateResult):
        return karate_figures(result, folder)
    raise TypeError(f"no figures for a {type(result).__name__}")
