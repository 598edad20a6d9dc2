"""The classic 3×3 filters of the CNN tutorials, run as message passing and checked against Conv2d.

All filters form one :class:`~gcnlab.GridConv` (1 input channel, one output channel per filter,
zero padding 1, no bias); :func:`apply_filters` runs it on a grayscale image and measures how far
each output is from ``torch.nn.functional.conv2d`` with the same kernel. Like every deep-learning
"convolution", these are cross-correlations: ``out[r, c] = sum_ab kernel[a, b] img[r+a-1, c+b-1]``.

Images are read with Pillow (installed with matplotlib); the default image is scikit-learn's
sample photo ``china.jpg``. Drawing imports matplotlib (Agg, no display) only when called.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.errors import DataError, UsageError
from gcnlab.nn.gcn_on_grid import gcn_filter, gcn_on_image, interior_mask
from gcnlab.nn.grid_conv import GridConv
from gcnlab.train.bounds import MAX_PIXELS

DEFAULT_IMAGE = "china.jpg"  # scikit-learn's sample photo

CLASSIC_KERNELS: dict[str, list[list[float]]] = {
    # Sobel: responds to left-right changes in brightness, i.e. vertical edges
    "vertical-edges": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "horizontal-edges": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    # the 8-neighbour Laplacian: edges in every direction
    "all-edges": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    # Gaussian blur (binomial weights, sum 1)
    "blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}
TOLERANCE = 1e-5  # largest |GridConv - Conv2d| accepted on images in [0, 1]


@dataclass
class FilterOutput:
    """One filter applied to one image."""

    name: str
    kernel: Tensor  # [3, 3]
    image: Tensor  # [H, W], the output through GridConv (or GCNConv for "gcn-on-grid")
    max_diff: float  # max |output - conv2d(image, kernel)| over the compared pixels
    compared: str = "all pixels"  # or "interior pixels" (gcn-on-grid: see gcn_on_grid.py)
    border_diff: float | None = None  # gcn-on-grid only: max difference on the border pixels

    @property
    def matches(self) -> bool:
        return self.max_diff <= TOLERANCE


def load_image(
    path: str | os.PathLike[str] | None = None, size: int | None = 256
) -> tuple[Tensor, str]:
    """A grayscale image ``[H, W]`` in [0, 1] and its name.

    Args:
        path: a PNG/JPEG file, read with Pillow (default: scikit-learn's ``china.jpg``).
        size: shrink so that the longer side is at most this many pixels, keeping the aspect
            ratio; ``None`` or 0 keeps the original size. (default: 256)

    Raises:
        UsageError: no file at ``path``, or more than :data:`~gcnlab.train.bounds.MAX_PIXELS`
            pixels after shrinking (checked from the header, before decoding).
        DataError: the file is not an image Pillow can read.
    """
    from PIL import Image, UnidentifiedImageError

    if path is None:
        from sklearn.datasets import load_sample_image

        picture, name = Image.fromarray(load_sample_image(DEFAULT_IMAGE)), DEFAULT_IMAGE
    else:
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"no image file at {path}")
        try:
            with Image.open(path) as opened:  # reads the header only
                _check_pixels(*opened.size, size, path.name)
                picture = opened.copy()
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
            raise DataError(f"cannot read {path} as an image: {exc}") from None
        name = path.name
    _check_pixels(*picture.size, size, name)
    gray = picture.convert("L")  # ITU-R 601 luma
    if size:
        gray.thumbnail((size, size), Image.Resampling.LANCZOS)
    return torch.tensor(np.asarray(gray, dtype=np.float32) / 255.0), name


def _check_pixels(width: int, height: int, size: int | None, name: str) -> None:
    """Refuse an image that would have more than :data:`MAX_PIXELS` pixels once shrunk to
    ``size`` (its longer side), before it is decoded."""
    scale = min(1.0, size / max(width, height, 1)) if size else 1.0
    pixels = round(width * scale) * round(height * scale)
    if pixels > MAX_PIXELS:
        hint = "give a smaller --size" if size else "give --size (0 keeps the full size)"
        raise UsageError(
            f"{name} is {width}x{height}; the filters take at most {MAX_PIXELS:,} pixels "
            f"({pixels:,} asked for): {hint}, e.g. --size {math.isqrt(MAX_PIXELS)}"
        )


def kernel_tensor(names: list[str] | None = None) -> Tensor:
    """The named kernels (default: all, in :data:`CLASSIC_KERNELS` order) as ``[F, 3, 3]``."""
    names = list(CLASSIC_KERNELS) if names is None else names
    unknown = [n for n in names if n not in CLASSIC_KERNELS]
    if unknown:
        raise UsageError(f"unknown filter {unknown[0]!r}; choose from {', '.join(CLASSIC_KERNELS)}")
    return torch.tensor([CLASSIC_KERNELS[n] for n in names], dtype=torch.float32)


def filter_bank(names: list[str] | None = None) -> GridConv:
    """One GridConv ``1 → F`` (3×3, padding 1, no bias) whose output channels are the filters."""
    kernels = kernel_tensor(names)
    bank = GridConv(1, kernels.size(0), 3, padding=1, bias=False)
    with torch.no_grad():
        bank.weight.copy_(kernels.unsqueeze(1))  # [F, 1, 3, 3]
    return bank


def _conv2d(x: Tensor, weight: Tensor) -> Tensor:
    """The reference, ``conv2d`` with padding 1, in full float32 (cuDNN would use TF32)."""
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        return F.conv2d(x, weight, padding=1)


def apply_filters(image: Tensor, names: list[str] | None = None) -> list[FilterOutput]:
    """Run the filters on ``image`` ``[H, W]`` through GridConv; compare each with Conv2d."""
    names = list(CLASSIC_KERNELS) if names is None else names
    bank = filter_bank(names).to(image.device)
    x = image[None, None]  # [1, 1, H, W]
    with torch.no_grad():
        ours = bank(x)[0]  # [F, H, W]
        reference = _conv2d(x, bank.weight)[0]  # [F, H, W]
    return [
        FilterOutput(
            name,
            bank.weight[i, 0].detach().cpu(),
            ours[i].cpu(),
            float((ours[i] - reference[i]).abs().max()),
        )
        for i, name in enumerate(names)
    ]


def gcn_blur(image: Tensor) -> FilterOutput:
    """A GCN layer with weight 1 on the 8-neighbour pixel graph: the fixed blur it is made of.

    Compared with Conv2d and the 1/9 box filter on the interior pixels (where they are equal);
    ``border_diff`` shows how far the border is from it.
    """
    from gcnlab.nn.gcn_conv import GCNConv

    gcn = GCNConv(1, 1, bias=False).to(image.device)
    with torch.no_grad():
        gcn.lin.weight.fill_(1.0)
        x = image[None, None]  # [1, 1, H, W]
        ours = gcn_on_image(gcn, x)[0, 0]  # [H, W]
        box = gcn_filter(8).to(image)
        reference = _conv2d(x, box[None, None])[0, 0]
    diff = (ours - reference).abs().cpu()
    inside = interior_mask(*image.shape)
    interior = float(diff[inside].max()) if inside.any() else 0.0
    return FilterOutput(
        "gcn-on-grid",
        box.cpu(),
        ours.cpu(),
        interior,
        "interior pixels",
        float(diff[~inside].max()),
    )
