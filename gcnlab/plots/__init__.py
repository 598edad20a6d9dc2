"""Figures of a run, as PNG files: training curves, t-SNE of the GCN's hidden layer, ROC and
precision-recall curves of link prediction, the digits CNN's first layer, clusters against
classes, and the karate club's 2-D embedding.

Each function takes the data to draw and a path, writes the PNG atomically and returns the path.
matplotlib is imported only inside them, and only its Agg canvas is used (no display, no global
pyplot state), so ``import gcnlab`` and ``import gcnlab.plots`` stay free of it.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

# A result class ("module:Class") -> its figure function ("module:function") and whether that
# function reads the graph again (takes ``root=``). Both are imported only when a result is
# drawn; a new task adds one row. A subclass is drawn as its nearest listed base.
FIGURES: dict[str, tuple[str, bool]] = {
    "gcnlab.tasks.node:NodeResult": ("gcnlab.plots.node:node_figures", True),
    "gcnlab.tasks.link:LinkResult": ("gcnlab.plots.link:link_figures", True),
    "gcnlab.tasks.digits:DigitsResult": ("gcnlab.plots.digits:digits_figures", False),
    "gcnlab.community.detect:ClusterResult": ("gcnlab.plots.community:cluster_figures", True),
    "gcnlab.tasks.karate:KarateResult": ("gcnlab.plots.karate:karate_figures", False),
}


def draw_result(
    result: Any, folder: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Every figure for a node, link, image (digits), cluster or karate result, written into
    ``folder``.

    Args:
        result: a :class:`~gcnlab.NodeResult`, :class:`~gcnlab.LinkResult`,
            :class:`~gcnlab.DigitsResult` (with its ``states``), :class:`~gcnlab.ClusterResult`
            (with its clusters) or :class:`~gcnlab.KarateResult` (with its frames); see
            :data:`FIGURES`.
        folder: where the PNGs go (created).
        root: the data root for graphs (default: the run's).

    Raises:
        TypeError: no figures for the result's type.
    """
    for cls in type(result).__mro__:
        row = FIGURES.get(f"{cls.__module__}:{cls.__qualname__}")
        if row is not None:
            break
    else:
        raise TypeError(f"no figures for a {type(result).__name__}")
    target, reads_graph = row
    module, _, name = target.partition(":")
    figures = getattr(importlib.import_module(module), name)
    if reads_graph:
        return figures(result, Path(folder), root=root)
    return figures(result, Path(folder))
