"""scikit-learn's 1797 handwritten digits (8×8), split train / val / test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

DESCRIPTION = "scikit-learn's handwritten digits: 1797 images of 8×8 pixels, 10 classes"


@dataclass
class DigitsSplit:
    """The digits on one device: images [N, 1, 8, 8] in [0, 1], labels, and split indices."""

    x: Tensor
    y: Tensor
    index: dict[str, Tensor]  # train / val / test


def load_digits_split(
    *, test_fraction: float = 0.2, val_fraction: float = 0.1, split_seed: int = 0,
    device: torch.device | str = "cpu",
) -> DigitsSplit:
    """scikit-learn's digits, scaled to [0, 1], split train / val / test (stratified, seeded)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # [1797, 1, 8, 8]
    y = torch.tensor(digits.target, dtype=torch.long)
    every = np.arange(len(y))
    rest, test = train_test_split(
        every,
        test_size=test_fraction,
        stratify=digits.target,
        random_state=split_seed,
    )
    train, val = train_test_split(
        rest,
        test_size=val_fraction,
        stratify=digits.target[rest],
        random_state=split_seed,
    )
    index = {
        k: torch.as_tensor(np.sort(v), device=device)
        for k, v in (("train", train), ("val", val), ("test", test))
    }
    return DigitsSplit(x.to(device), y.to(device), index)
