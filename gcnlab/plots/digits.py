"""Figures of the digits CNN: its first layer's kernels, and their feature maps on one digit."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import torch
from torch import Tensor


def digits_figures(result: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """The first run's first-layer 3×3 kernels (``digits_filters.png``) and their feature maps,
    after the ReLU, on the first test digit (``digits_feature_maps.png``).

    Args:
        result: a :class:`~gcnlab.tasks.digits.DigitsResult` (its ``trained`` network: the first run
            at its chosen epoch).
        folder: where the PNGs go (created).
    """
    from gcnlab.data.digits import load_digits_split
    from gcnlab.plots.filters import draw_feature_maps, draw_kernels
    from gcnlab.tasks.digits import DigitsConfig

    folder = Path(folder)
    config = DigitsConfig(**result.config)
    data = load_digits_split(
        test_fraction=config.test_fraction,
        val_fraction=config.val_fraction,
        split_seed=config.split_seed,
    )
    index = int(data.index["test"][0])
    image, label = data.x[index], int(data.y[index])
    kernels, maps = first_layer(result.trained, image)
    predicted = predict(result.trained, image)
    kind = "GridConv (message passing)" if config.layer == "gridconv" else "Conv2d"
    filters_png = draw_kernels(
        kernels,
        folder / "digits_filters.png",
        title=f"digits CNN, first layer: the {len(kernels)} learned 3x3 kernels ({kind})",
    )
    maps_png = draw_feature_maps(
        image[0],
        maps,
        folder / "digits_feature_maps.png",
        label=label,
        predicted=predicted,
        title="first-layer feature maps (after ReLU) of the first test digit",
    )
    return [filters_png, maps_png]


def predict(model: torch.nn.Module, image: Tensor) -> int:
    """The class ``model`` predicts for one image ``[1, 8, 8]`` (dropout off, on the CPU)."""
    model = copy.deepcopy(model).cpu().eval()
    with torch.no_grad():
        return int(model(image.cpu().unsqueeze(0)).argmax(1))


def first_layer(model: torch.nn.Module, image: Tensor) -> tuple[Tensor, Tensor]:
    """The first convolution's kernels ``[c, 3, 3]`` and its feature maps (after ReLU) on one
    image ``[1, 8, 8]`` → ``[c, 8, 8]``, on the CPU, for drawing."""
    model = copy.deepcopy(model).cpu().eval()
    with torch.no_grad():
        maps = model.conv1(image.cpu().unsqueeze(0)).relu()[0]  # [c, 8, 8]
    return model.conv1.weight.detach()[:, 0], maps
