"""Figures of the digits CNN: its first layer's kernels, and their feature maps on one digit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def digits_figures(result: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """The first run's first-layer 3×3 kernels (``digits_filters.png``) and their feature maps,
    after the ReLU, on the first test digit (``digits_feature_maps.png``).

    Args:
        result: a :class:`~gcnlab.digits.DigitsResult` (its ``trained`` network: the first run
            at its chosen epoch).
        folder: where the PNGs go (created).
    """
    from gcnlab.digits import DigitsConfig, first_layer, load_digits_split
    from gcnlab.filters import draw_grid

    folder = Path(folder)
    config = DigitsConfig(**result.config)
    data = load_digits_split(config)
    index = int(data.index["test"][0])
    image, label = data.x[index], int(data.y[index])
    kernels, maps = first_layer(result.trained, image)
    kind = "GridConv (message passing)" if config.layer == "gridconv" else "Conv2d"
    filters_png = draw_grid(
        [(f"filter {i}", k) for i, k in enumerate(kernels)],
        folder / "digits_filters.png",
        title=f"digits CNN, first layer: the {len(kernels)} 3x3 kernels ({kind})",
    )
    maps_png = draw_grid(
        [(f"input (label {label})", image[0])] + [(f"map {i}", m) for i, m in enumerate(maps)],
        folder / "digits_feature_maps.png",
        title="first-layer feature maps (after ReLU) of one test digit",
    )
    return [filters_png, maps_png]
