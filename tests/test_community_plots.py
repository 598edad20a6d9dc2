"""Figures of clustering and of the karate club: valid images with the expected content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gcnlab.community.detect import ClusterConfig, cluster
from gcnlab.errors import DataError
from gcnlab.plots import draw_result
from gcnlab.plots.community import (
    contingency_figure,
    contingency_plot,
    embedding_figure,
    embedding_plot,
    project_2d,
)
from gcnlab.plots.figure import save_png
from gcnlab.plots.karate import frame_epochs, training_figure, untrained_figure
from gcnlab.tasks.karate import KarateConfig, train_karate


def assert_png(path: Path, min_width: int = 500) -> None:
    """A PNG that decodes, of a readable size, not blank."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG" and image.width >= min_width and image.height >= 300
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20


def test_embedding_and_contingency_plots(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 40)
    points = rng.normal(size=(120, 2)) + 4 * labels[:, None]
    clusters = (labels + 1) % 3  # a renaming: every cluster is matched
    clusters[:5] = 3  # and one extra cluster that stays unmatched
    assert_png(embedding_plot(points, clusters, tmp_path / "e.png", labels=labels, title="t"))
    assert_png(embedding_plot(points, clusters, tmp_path / "u.png", labels=None, title="t"))
    assert_png(contingency_plot(labels, clusters, tmp_path / "c.png", title="t"), min_width=300)


def test_project_2d_keeps_2d_and_reduces_more() -> None:
    points = np.arange(20.0).reshape(10, 2)
    assert project_2d(points) is points
    assert project_2d(np.random.default_rng(0).normal(size=(12, 5))).shape == (12, 2)
    assert project_2d(points[:, :1]).shape == (10, 2)


def test_frame_epochs_start_untrained_and_end_last() -> None:
    epochs = frame_epochs(300, 8)
    assert epochs[0] == 0 and epochs[-1] == 300 and epochs == sorted(set(epochs))
    assert frame_epochs(3, 8) == [0, 1, 2, 3]


def test_cluster_result_figures(tmp_path: Path) -> None:
    result = cluster(ClusterConfig(dataset="karate", method="spectral", runs=1, restarts=2))
    paths = draw_result(result, tmp_path)
    assert [p.name for p in paths] == [
        "karate_spectral_embedding.png",
        "karate_spectral_contingency.png",
    ]
    assert_png(paths[0])
    result.embedding = None  # e.g. a result read back from JSON
    with pytest.raises(DataError, match="no clusters to draw"):
        draw_result(result, tmp_path)


def test_karate_figures_and_gif(tmp_path: Path) -> None:
    from PIL import Image

    result = train_karate(KarateConfig(communities="communities", epochs=5, runs=1))
    paths = draw_result(result, tmp_path)
    assert [p.name for p in paths] == [
        "karate_communities_untrained.png",
        "karate_communities_training.png",
        "karate_communities_training.gif",
    ]
    assert_png(paths[0])
    assert_png(paths[1])
    with Image.open(paths[2]) as gif:
        assert gif.format == "GIF" and gif.n_frames == 6  # epochs 0 .. 5


def legend_texts(legend) -> list[str]:  # noqa: ANN001
    return [t.get_text() for t in legend.get_texts()]


def test_unlabeled_nodes_are_not_unmatched_clusters() -> None:
    """Left: classes by name and "unlabeled" (-1); right: "unmatched" only for a cluster that
    matched no class."""
    labels = np.repeat([0, 1, 2], 10)
    labels[::4] = -1  # unlabeled nodes
    clusters = np.repeat([0, 1, 2], 10)
    clusters[:3] = 3  # a fourth cluster: no class left for it
    points = np.random.default_rng(0).normal(size=(30, 2))
    fig = embedding_figure(
        points, clusters, labels=labels, title="t", class_names=["cat", "dog", "hen"]
    )
    by_class, by_cluster = fig.axes
    assert legend_texts(by_class.get_legend()) == ["cat", "dog", "hen", "unlabeled"]
    assert legend_texts(by_cluster.get_legend()) == ["cat", "dog", "hen", "unmatched"]
    fig = embedding_figure(points, clusters, labels=labels, title="t")  # no class names
    assert legend_texts(fig.axes[0].get_legend())[-1] == "unlabeled"
    assert legend_texts(fig.axes[0].get_legend())[0] == "class 0"


def extents(fig, artists) -> list:  # noqa: ANN001
    """The artists' boxes in pixels, as drawn when the figure was saved (its layout)."""
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def assert_inside(fig, artists) -> None:  # noqa: ANN001
    for box, artist in zip(extents(fig, artists), artists, strict=True):
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1, artist
        assert fig.bbox.y0 - 1 <= box.y0 and box.y1 <= fig.bbox.y1 + 1, artist


def assert_apart(fig, artists) -> None:  # noqa: ANN001
    boxes = extents(fig, artists)
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not a.overlaps(boxes[j]), (artists[i], artists[j])


def test_contingency_title_is_not_clipped(tmp_path: Path) -> None:
    """Two classes make a narrow figure: its long title wraps to fit, clear of the matrix."""
    labels = np.repeat([0, 1], 10)
    title = "vgae on a-graph-with-a-long-name, run 1: clusters × classes"
    fig = contingency_figure(labels, labels[::-1].copy(), title=title)
    save_png(fig, tmp_path / "c.png")
    suptitle = fig.get_suptitle()
    assert " ".join(suptitle.split()) == title  # wrapped, every word kept
    assert_inside(fig, [fig._suptitle])
    assert_apart(fig, [fig._suptitle, *fig.axes])


@pytest.fixture(scope="module")
def karate():  # noqa: ANN201
    return train_karate(KarateConfig(communities="communities", epochs=12, runs=1))


def test_karate_figures_say_once_what_colours_rings_and_range_are(karate, tmp_path) -> None:  # noqa: ANN001
    for fig in (untrained_figure(karate), training_figure(karate)):
        (legend,) = fig.legends  # one legend for the figure, none per panel
        assert all(ax.get_legend() is None for ax in fig.axes)
        texts = legend_texts(legend)
        assert texts[:4] == [f"community {c}" for c in range(4)]
        assert any(t.startswith("ringed: labelled") and "trains on" in t for t in texts)
        assert any(t.startswith("x-range: ") for t in texts)
        assert "line: friendship" in texts
        panels = [ax for ax in fig.axes if ax.get_visible()]
        assert all(ax.get_xlabel().startswith("x-range ") for ax in panels)
        save_png(fig, tmp_path / "k.png", tight=False)
        assert_inside(fig, [legend, *(ax.title for ax in panels)])


def test_karate_panel_titles_do_not_collide(karate, tmp_path) -> None:  # noqa: ANN001
    """Titles, suptitle, legend, panels and their x-range labels: inside the figure and apart."""
    fig = training_figure(karate)
    save_png(fig, tmp_path / "k.png", tight=False)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) > 4  # two rows: the second row's titles under the first's panels
    titles = [ax.title for ax in panels]
    labels = [ax.xaxis.label for ax in panels]
    texts = [fig._suptitle, fig.legends[0], *titles, *labels]
    assert_inside(fig, texts)
    assert_apart(fig, texts)
    for panel in panels:  # no text on a panel, but its own x-range label, which touches it
        assert_apart(fig, [panel, *(t for t in texts if t is not panel.xaxis.label)])
