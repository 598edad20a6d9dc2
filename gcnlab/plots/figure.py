"""What every figure shares: an Agg-only figure, an atomic PNG write, the names and colours of
classes, and titles that fit."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DPI = 110
UNLABELED = "0.6"  # neutral grey: nodes without a class (label -1), never a class's colour


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


def class_name(c: int, names: Sequence[str] | None = None) -> str:
    """The legend's word for class ``c``: ``unlabeled`` for ``-1`` (graph files mark nodes
    without a label so), the graph's name of the class when it has names, else ``class c``."""
    if c < 0:
        return "unlabeled"
    return str(names[c]) if names else f"class {c}"


def class_colour(c: int) -> str:
    """Class ``c``'s colour (matplotlib's cycle), grey for unlabeled (``-1``)."""
    return UNLABELED if c < 0 else f"C{int(c) % 10}"


def shown_name(dataset: str) -> str:
    """A dataset as a figure's title names it: a graph file by its file name (records hold
    absolute paths, too long for a title), a name or a spec as it is."""
    if ":" in dataset or "/" not in dataset and "\\" not in dataset:
        return dataset
    return Path(dataset).name


def fit_width(fig: Any, text: Any) -> None:
    """Wrap ``text`` (a suptitle or title, a matplotlib ``Text``) at spaces until it is no wider
    than ``fig``, so that a long title on a small figure is never cut off at the edges."""
    import textwrap

    words = " ".join(text.get_text().split())
    renderer = fig.canvas.get_renderer()
    limit = len(words)
    while limit > 8 and text.get_window_extent(renderer).width > 0.98 * fig.bbox.width:
        limit = int(limit * 0.85)
        text.set_text(textwrap.fill(words, limit, break_long_words=False))


def mark_epoch(ax: Any, epoch: int | None) -> None:
    """A dotted vertical line at the epoch validation chose."""
    if epoch is not None:
        ax.axvline(epoch, color="0.4", linestyle=":", linewidth=1, label=f"chosen epoch ({epoch})")


def as_runs(history: Sequence[Any]) -> list[Sequence[Any]]:
    """``history`` as a list of runs: a list of runs stays one, one run's epochs become one run."""
    if history and isinstance(history[0], (list, tuple)):
        return [run for run in history if run]
    return [history]


def mean_band(
    ax: Any,
    runs: list[Sequence[Any]],
    value: Callable[[Any], float],
    label: str,
    scale: float = 1.0,
) -> None:
    """The mean over runs of ``value(stats)`` per epoch, with a band of one standard deviation
    (a run that stopped early counts up to its last epoch only)."""
    from gcnlab.utils.stats import mean_std

    longest = max(len(run) for run in runs)
    epochs, means, low, high = [], [], [], []
    for e in range(longest):
        values = [scale * value(run[e]) for run in runs if len(run) > e]
        mean, std = mean_std(values)
        epochs.append(runs[0][0].epoch + e)
        means.append(mean)
        low.append(mean - std)
        high.append(mean + std)
    name = label if len(runs) == 1 else f"{label} (mean ± std)"
    (line,) = ax.plot(epochs, means, label=name)
    if len(runs) > 1:
        ax.fill_between(epochs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def runs_title(runs: list[Sequence[Any]], seeds: Sequence[int] | None = None) -> str:
    """``run 1 (seed 0)`` or ``10 runs (seeds 0-9)``."""
    if len(runs) == 1:
        return "run 1" + (f" (seed {seeds[0]})" if seeds else "")
    span = f" (seeds {seeds[0]}-{seeds[len(runs) - 1]})" if seeds else ""
    return f"{len(runs)} runs{span}"


# One panel of curves: its title, its y label, and per curve (value of a stats row, label, scale)
Panel = tuple[str, str, Sequence[tuple[Callable[[Any], float], str, float]]]


def curves_figure(
    history: Sequence[Any],
    path: str | os.PathLike[str],
    panels: Sequence[Panel],
    *,
    title: str,
    chosen_epoch: int | None = None,
) -> Path:
    """Side-by-side panels of per-epoch curves: one run's, or the mean over a list of runs with
    a band of one standard deviation (:func:`mean_band`), the chosen epoch marked on each."""
    runs = as_runs(history)
    fig = new_figure(5 * len(panels), 4)
    axes = fig.subplots(1, len(panels))
    for ax, (name, ylabel, curves) in zip(axes, panels, strict=True):
        for value, label, scale in curves:
            mean_band(ax, runs, value, label, scale=scale)
        ax.set(xlabel="epoch", ylabel=ylabel, title=name)
        mark_epoch(ax, chosen_epoch)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return save_png(fig, path)
