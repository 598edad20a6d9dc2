"""Figures: valid PNGs of a readable size from every plotting function and command option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from cli_runner import invoke

from gcnlab.plots import draw_result
from gcnlab.plots.link import link_training_curves, roc_pr_curves
from gcnlab.plots.node import training_curves, tsne_plot
from gcnlab.tasks.link import LinkConfig, LinkEpochStats, train_link
from gcnlab.tasks.node import ClassifierStats, NodeConfig, train_node

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_width: int = 500) -> None:
    """A PNG file that decodes, at least ``min_width`` pixels wide, with more than a few
    colours (not blank) and more than 10 kB."""
    from PIL import Image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 10_000
    with Image.open(path) as image:
        image.load()
        assert image.width >= min_width and image.height >= 300
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20


def _node_history(epochs: int = 30) -> list[ClassifierStats]:
    return [
        ClassifierStats(0, e, 2 / e, min(1, e / 20), 1.5 / e, min(0.8, e / 25), 0.7)
        for e in range(1, epochs + 1)
    ]


def test_training_curves(tmp_path: Path) -> None:
    path = training_curves(
        _node_history(), tmp_path / "a" / "curves.png", title="t", chosen_epoch=20
    )
    assert path == tmp_path / "a" / "curves.png"
    assert_png(path)


def test_tsne_plot(tmp_path: Path) -> None:
    gen = torch.Generator().manual_seed(0)
    features = torch.cat([torch.randn(20, 4, generator=gen), torch.randn(20, 4, generator=gen) + 5])
    labels = torch.tensor([0] * 20 + [1] * 20)
    assert_png(tsne_plot(features, labels, tmp_path / "tsne.png", title="two blobs"))


def test_link_plots(tmp_path: Path) -> None:
    gen = torch.Generator().manual_seed(0)
    pos, neg = torch.randn(50, generator=gen) + 1, torch.randn(50, generator=gen)
    assert_png(roc_pr_curves(pos, neg, tmp_path / "roc.png", title="t"))
    history = [
        LinkEpochStats(0, e, 1 / e, 0.5 + e / 100, 0.5 + e / 90, 0.6, 0.6) for e in range(1, 31)
    ]
    assert_png(link_training_curves(history, tmp_path / "curves.png", title="t", chosen_epoch=30))


def test_figures_of_real_runs(tmp_path: Path) -> None:
    node = train_node(NodeConfig(dataset="karate", runs=1, epochs=20, device="cpu"))
    link = train_link(LinkConfig(dataset="karate", runs=1, epochs=10, device="cpu"))
    paths = draw_result(node, tmp_path) + draw_result(link, tmp_path)
    assert [p.name for p in paths] == [
        "karate_gcn_curves.png",
        "karate_gcn_tsne.png",
        "karate_gae_curves.png",
        "karate_gae_roc_pr.png",
    ]
    for path in paths:
        assert_png(path)


def test_train_and_linkpred_plots_option(tmp_path: Path) -> None:
    result = invoke(
        ["train", "karate", "--runs", "1", "--epochs", "10", "--plots", str(tmp_path / "figs")]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'figs' / 'karate_gcn_tsne.png'}" in result.output
    result = invoke(
        ["linkpred", "karate", "--runs", "1", "--epochs", "5", "--plots", str(tmp_path / "figs")],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "karate_gae_curves.png",
        "karate_gae_roc_pr.png",
        "karate_gcn_curves.png",
        "karate_gcn_tsne.png",
    ]


def test_plots_option_must_be_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    for command in ("train", "linkpred"):
        result = invoke([command, "karate", "--plots", str(file)])
        assert result.exit_code == 2
        assert "is a file; give a folder" in result.output


def test_matplotlib_is_imported_only_to_plot() -> None:
    code = (
        "import sys, gcnlab, gcnlab.plots, gcnlab.experiments.reproduce, gcnlab.io.checkpoint, "
        "gcnlab.cli.reproduce, gcnlab.cli.evaluate; sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_curves_show_the_mean_and_spread_over_runs(tmp_path) -> None:  # noqa: ANN001
    """mean_band: per epoch the mean of the runs still training, the band one std around it."""
    from types import SimpleNamespace

    from gcnlab.plots.figure import mean_band, new_figure
    from gcnlab.plots.node import training_curves

    def run(losses):  # noqa: ANN001, ANN202
        return [
            SimpleNamespace(epoch=e + 1, loss=v, val_loss=v, train_acc=0.5, val_acc=0.5)
            for e, v in enumerate(losses)
        ]

    runs = [run([1.0, 2.0, 4.0]), run([3.0, 4.0])]  # the second stopped after epoch 2
    ax = new_figure(4, 3).subplots()
    mean_band(ax, runs, lambda s: s.loss, "loss")
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [2.0, 3.0, 4.0]
    band = ax.collections[0].get_paths()[0].vertices  # std of (1, 3) and (2, 4): sqrt(2)
    assert band[:, 1].min() == pytest.approx(2.0 - 2**0.5)
    assert line.get_label() == "loss (mean ± std)"
    assert training_curves(runs, tmp_path / "c.png", title="t").stat().st_size > 0


def test_every_figures_row_names_a_result_class_and_a_figure_function() -> None:
    import importlib

    from gcnlab.plots import FIGURES
    from gcnlab.train.loop import RunResult

    for result_path, (figures_path, _) in FIGURES.items():
        module, _, name = result_path.partition(":")
        assert issubclass(getattr(importlib.import_module(module), name), RunResult)
        module, _, name = figures_path.partition(":")
        assert callable(getattr(importlib.import_module(module), name))


def test_draw_result_refuses_a_result_without_figures(tmp_path: Path) -> None:
    from gcnlab.train.loop import RunResult

    class Unknown:
        pass

    with pytest.raises(TypeError, match="^no figures for a Unknown$"):
        draw_result(Unknown(), tmp_path)
    with pytest.raises(TypeError, match="^no figures for a RunResult$"):
        draw_result(RunResult.__new__(RunResult), tmp_path)


def legend_texts(ax) -> list[str]:  # noqa: ANN001
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_tsne_names_classes_and_greys_unlabeled_nodes() -> None:
    """Unlabeled nodes (-1) are grey and called so, last in the legend; classes by name."""
    from matplotlib.colors import to_rgba

    from gcnlab.plots.figure import UNLABELED
    from gcnlab.plots.node import tsne_figure

    points = np.random.default_rng(0).normal(size=(9, 2))
    labels = np.array([-1, 0, 1, 0, -1, 1, 0, 1, -1])
    fig = tsne_figure(points, labels, title="t", class_names=["cat", "dog"])
    ax = fig.axes[0]
    assert legend_texts(ax) == ["cat", "dog", "unlabeled"]
    grey = [c for c in ax.collections if c.get_label() == "unlabeled"][0]
    assert tuple(grey.get_facecolor()[0][:3]) == to_rgba(UNLABELED)[:3]
    assert len(grey.get_offsets()) == 3
    plain = tsne_figure(points, labels, title="t").axes[0]  # a graph without class names
    assert legend_texts(plain) == ["class 0", "class 1", "unlabeled"]


def test_tsne_colours_each_node_by_its_own_class(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    """With --reorder the hidden layer comes back in the input's node order: so must the labels
    that colour it (not the task's, which are in training order)."""
    import gcnlab.plots.node as node_plots
    from gcnlab.data.karate import read_karate

    drawn = {}

    def fake_tsne(features, labels, path, **kwargs):  # noqa: ANN001, ANN003, ANN202
        drawn.update(features=features, labels=labels, **kwargs)
        return Path(path)

    monkeypatch.setattr(node_plots, "tsne_plot", fake_tsne)
    result = train_node(NodeConfig(dataset="karate", runs=1, epochs=3, device="cpu", reorder="rcm"))
    node_plots.node_figures(result, tmp_path)
    assert torch.equal(drawn["labels"], read_karate().y)
    assert drawn["features"].shape == (34, 16) and drawn["class_names"] is None


def test_figures_name_a_graph_file_by_its_file_name() -> None:
    """Records hold absolute paths; a title shows the file's name (a path would be cut off)."""
    from gcnlab.plots.figure import shown_name

    assert shown_name("/home/someone/a/very/long/folder/edges.csv") == "edges.csv"
    assert shown_name("cora") == "cora"
    assert shown_name("pyg:Amazon/Computers") == "pyg:Amazon/Computers"
