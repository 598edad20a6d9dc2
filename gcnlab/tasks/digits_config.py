"""The settings of a digits run (:class:`DigitsConfig`), without torch.

Each field carries its command-line option (help, bounds, choices; :mod:`gcnlab.utils.settings`),
so ``gcnlab digits`` is derived from this class; :mod:`gcnlab.tasks.digits` trains it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.nn.choices import LAYERS
from gcnlab.tasks.node_config import classifier_checks
from gcnlab.train import bounds
from gcnlab.train.config import RunConfig, in_range, one_of
from gcnlab.utils.settings import not_option, option, option_like


@dataclass(kw_only=True)
class DigitsConfig(RunConfig):
    """Hyper-parameters of a digits run."""

    epochs: int = option_like(RunConfig, "epochs", 100)  # passes over the training images
    lr: float = option_like(RunConfig, "lr", 0.003)
    runs: int = option_like(RunConfig, "runs", 5)
    batch_size: int = option(64, "Images per gradient step.", min=1, max=bounds.MAX_BATCH_SIZE)
    weight_decay: float = option(  # Adam's, on all weights
        0.0, "L2 penalty on the weights.", min=0.0, guard=bounds.MAX_WEIGHT_DECAY
    )
    dropout: float = option(0.25, "Dropout probability, in [0, 1).")  # before the classifier
    channels: int = option(
        32,
        "Width of the first convolution; the second has twice as many.",
        min=1,
        max=bounds.MAX_CHANNELS,
    )
    layer: str = option(
        "gridconv",
        "gridconv: convolution as message passing on the pixel grid; conv2d: torch's layers "
        "(the reference).",
        choices=LAYERS,
    )
    # 0: the CNN (DigitsCNN); L >= 1: L 3×3 convolutions `channels` wide, no pooling, a dense
    # classifier (DigitsConvStack: the receptive-field study's trained stacks)
    stack: int = not_option(0)
    patience: int = option(
        20, "Stop after this many epochs without a better validation score (0: off).", min=0
    )
    split_seed: int = option(
        0,
        "Seed of the test and validation split, the same for every run.",
        min=0,
        max=bounds.MAX_SEED,
    )
    test_fraction: float = not_option(0.2)  # of all 1797 images, stratified
    val_fraction: float = not_option(0.1)  # of the training part, stratified

    def checks(self) -> list:
        return (
            super().checks()
            + classifier_checks(self)
            + [
                in_range("batch size", self.batch_size, 1, bounds.MAX_BATCH_SIZE),
                in_range("channels", self.channels, 1, bounds.MAX_CHANNELS),
                in_range("stack", self.stack, 0, bounds.MAX_LAYERS),
                one_of("layer", self.layer, LAYERS),
                in_range("patience", self.patience, 0, bounds.MAX_EPOCHS),
                in_range("split seed", self.split_seed, 0, bounds.MAX_SEED),
                (
                    0.05 <= self.test_fraction <= 0.5,
                    f"test fraction must be in [0.05, 0.5], got {self.test_fraction}",
                ),
                (
                    0.05 <= self.val_fraction <= 0.5,
                    f"validation fraction must be in [0.05, 0.5], got {self.val_fraction}",
                ),
            ]
        )
