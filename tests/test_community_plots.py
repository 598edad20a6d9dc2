"""Figures of clustering and of the karate club: valid images with the expected content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gcnlab.community.detect import ClusterConfig, cluster
from gcnlab.errors import DataError
from gcnlab.plots import draw_result
from gcnlab.plots.community import contingency_plot, embedding_plot, project_2d
from gcnlab.plots.karate import frame_epochs
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
