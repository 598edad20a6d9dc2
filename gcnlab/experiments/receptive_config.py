"""The receptive-field experiment's settings (:class:`ReceptiveConfig`), without torch:
``gcnlab reproduce receptive-field`` builds it before any heavy import."""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.data.sources import check_name
from gcnlab.errors import UsageError


@dataclass
class ReceptiveConfig:
    depths: int = 5  # grid: L = 1 .. depths
    canvas: int = 21  # grid: side of the input image (odd; at least 2 * depths + 1)
    channels: int = 8  # grid, random weights: channels per layer
    inits: int = 16  # grid, random weights: networks (and inputs) averaged
    trained: bool = True  # grid: also the trained stacks, one per depth (trains each on the
    # digits: about a minute or two per depth on one core)
    digits_epochs: int = 100  # grid, trained: maximum epochs of each stack's training (early
    # stopping as DigitsConfig's)
    dataset: str = "cora"  # graph
    max_hops: int = 6  # graph: neighbourhood sizes for L = 0 .. max_hops
    targets: int = 100  # graph: test nodes whose influence is measured
    train_epochs: int = 200  # graph: epochs of the trained GCN (the paper's 200, early stopping)
    seed: int = 0
    root: str | None = None
    device: str = "auto"  # the trainings' device (the measurements run on the CPU)

    def validate(self) -> None:
        check_name(self.dataset)
        if self.depths < 1 or self.canvas < 2 * self.depths + 1 or self.canvas % 2 == 0:
            raise UsageError(
                f"the canvas must be odd and at least 2 * depths + 1, got {self.canvas} for "
                f"{self.depths} layers"
            )
        for name in ("channels", "inits", "max_hops", "targets", "train_epochs", "digits_epochs"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, got {getattr(self, name)}")
