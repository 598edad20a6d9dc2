"""Seed once, resolve the device once: the two things every run does first."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from gcnlab.errors import UsageError

if TYPE_CHECKING:
    import torch

# torch and NumPy are imported inside the functions: the configs read DEVICES (their --device
# choices) and the command line's --help must not import torch.
DEVICES = ("auto", "cpu", "cuda")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) with ``seed``."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N"`` into a ``torch.device``.

    ``auto`` picks CUDA when a GPU is present, else the CPU. Asking for CUDA without a GPU is an
    error, not a silent fall-back to the CPU.
    """
    import torch

    if isinstance(device, torch.device):
        device = str(device)
    name = device.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UsageError(
                f"device {device!r} asked for, but no CUDA GPU is available; use --device cpu"
            )
        return torch.device(name)
    raise UsageError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)} (or cuda:N)")
