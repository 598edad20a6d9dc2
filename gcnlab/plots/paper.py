"""Figures of the GCN paper's other experiments: model depth (Appendix B) and training time per
epoch on random graphs (Section 6.3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gcnlab.plots.figure import new_figure, save_png
from gcnlab.utils.stats import mean_std, standard_error

SPREADS = {"std": "std over seeds", "sem": "standard error over folds"}


def _band(
    ax: Any,
    x: list[int],
    runs: list[list[float]],
    label: str,
    style: str,
    limits: tuple[float, float] = (float("-inf"), float("inf")),
    spread: str = "std",
) -> None:
    """Mean as markers and line, ± one standard deviation (``spread="std"``) or standard error
    (``"sem"``) as a band (clipped to ``limits``)."""
    stats = [
        (mean_std(v)[0], standard_error(v) if spread == "sem" else mean_std(v)[1]) for v in runs
    ]
    mean = [m for m, _ in stats]
    std = [s for _, s in stats]
    (line,) = ax.plot(x, mean, style, marker="o", markersize=4, label=label)
    lower = [max(m - s, limits[0]) for m, s in zip(mean, std, strict=True)]
    upper = [min(m + s, limits[1]) for m, s in zip(mean, std, strict=True)]
    ax.fill_between(x, lower, upper, color=line.get_color(), alpha=0.2, linewidth=0)


def depth_figures(result: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """Per dataset, ``depth_<dataset>.png``: train and test accuracy against the number of
    layers, without and with residual connections (one panel each, as the paper's Figure 5),
    and the Dirichlet energy of the output per depth.

    Args:
        result: a :class:`~gcnlab.experiments.depth.DepthResult`.
        folder: where the PNGs go (created).
    """
    folder = Path(folder)
    paths = []
    datasets = list(dict.fromkeys(r.dataset for r in result.rows if r.test_acc))
    for dataset in datasets:
        rows = [r for r in result.rows if r.dataset == dataset and r.test_acc]
        settings = list(dict.fromkeys(r.residual for r in rows))
        spread = rows[0].spread
        fig = new_figure(4.2 * (len(settings) + 1), 3.8)
        axes = fig.subplots(1, len(settings) + 1, squeeze=False)[0]
        for ax, residual in zip(axes, settings, strict=False):
            points = sorted((r for r in rows if r.residual == residual), key=lambda r: r.layers)
            x = [r.layers for r in points]
            _band(ax, x, [r.train_acc for r in points], "train", "--", (0.0, 100.0), spread)
            _band(ax, x, [r.test_acc for r in points], "test", "-", (0.0, 100.0), spread)
            ax.set(
                xlabel="number of layers",
                ylabel="accuracy (%)",
                title=f"{dataset}, {'with' if residual else 'no'} residual connections",
                xticks=x,
            )
            ax.legend(loc="lower left")
            ax.grid(alpha=0.3)
        energy_ax = axes[-1]
        for residual in settings:
            points = sorted((r for r in rows if r.residual == residual), key=lambda r: r.layers)
            x = [r.layers for r in points]
            label = "residual" if residual else "no residual"
            _band(energy_ax, x, [r.energy for r in points], label, "-", spread=spread)
        energy_ax.set(
            xlabel="number of layers",
            ylabel="tr(Zᵀ Δ Z) / tr(Zᵀ Z)",
            title="Dirichlet energy of the output",
            xticks=[r.layers for r in rows if r.residual == settings[0]],
        )
        energy_ax.legend()
        energy_ax.grid(alpha=0.3)
        fig.suptitle(
            f"Model depth on {dataset} (mean ± {SPREADS[spread]}; Kipf & Welling 2017, Appendix B)"
        )
        paths.append(save_png(fig, folder / f"depth_{dataset}.png"))
    return paths


def timing_figure(result: Any, folder: str | os.PathLike[str], name: str = "timing.png") -> Path:
    """Time per epoch against the number of edges, log-log, one line per model; out-of-memory
    sizes marked with a cross at the top (the paper's Section 6.3 figure).

    Args:
        result: a :class:`~gcnlab.experiments.timing.TimingResult`.
        folder: where the PNG goes (created).
        name: the file name. (default: ``timing.png``)
    """
    fig = new_figure(6.4, 4.6)
    ax = fig.subplots()
    ok = [r for r in result.rows if r.seconds is not None]
    top = max((r.seconds for r in ok), default=1.0) * 2
    for model in dict.fromkeys(r.model for r in result.rows):
        points = [r for r in ok if r.model == model]
        (line,) = ax.plot(
            [r.edges for r in points],
            [r.seconds for r in points],
            marker="o",
            label=f"{model} ({result.device})",
        )
        oom = [r for r in result.rows if r.model == model and r.status == "oom"]
        if oom:
            ax.scatter(
                [r.edges for r in oom],
                [top] * len(oom),
                marker="x",
                s=60,
                color=line.get_color(),
                label=f"{model}: out of memory",
            )
    if ok:  # a slope-1 guide through the largest graph's point: linear in the edges (small
        # graphs are dominated by fixed costs, kernel launches on a GPU, so not anchored there)
        last = max(ok, key=lambda r: (r.edges, r.model == "gcnlab"))
        xs = [min(r.edges for r in result.rows), last.edges]
        ax.plot(
            xs,
            [last.seconds * x / last.edges for x in xs],
            ":",
            color="0.5",
            label="linear in edges",
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="number of edges",
        ylabel="seconds per epoch (median)",
        title="GCN training time per epoch on random graphs",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return save_png(fig, Path(folder) / name)
