"""The timing sweep's settings (:class:`TimingConfig`, the GCN paper's Section 6.3), without
torch: ``gcnlab reproduce gcn-timing`` builds it before any heavy import."""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.errors import UsageError

MODELS: tuple[str, ...] = ("gcnlab", "pyg")


def default_sizes(max_edges: int) -> tuple[int, ...]:
    """Node counts 10^3, 3·10^3, 10^4, ... while 2N stays within ``max_edges``."""
    sizes = []
    n = 1000
    while 2 * n <= max_edges:
        sizes.append(n)
        n = n * 3 if str(n).startswith("1") else n * 10 // 3
    return tuple(sizes)


@dataclass
class TimingConfig:
    """The sweep; ``sizes`` (node counts) default to :func:`default_sizes` of ``max_edges``."""

    max_edges: int = 2_000_000  # largest graph: 2N <= max_edges (the paper goes to ~10^7)
    sizes: tuple[int, ...] | None = None  # node counts N; None: default_sizes(max_edges)
    features: int = 64  # width of the random input features
    hidden: int = 16
    classes: int = 8
    epochs: int = 10  # timed epochs per size (median reported)
    warmup: int = 2  # untimed epochs first
    models: tuple[str, ...] = MODELS
    seed: int = 0
    device: str = "auto"

    def validate(self) -> None:
        if self.max_edges < 2000 and self.sizes is None:
            raise UsageError(f"max edges must be at least 2000, got {self.max_edges}")
        if self.sizes is not None and (not self.sizes or min(self.sizes) < 2):
            raise UsageError("sizes must be node counts of at least 2")
        for name in ("features", "hidden", "classes", "epochs"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.warmup < 0:
            raise UsageError(f"warmup must be >= 0, got {self.warmup}")
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or not self.models:
            raise UsageError(f"models must be among {', '.join(MODELS)}, got {self.models}")

    def node_counts(self) -> tuple[int, ...]:
        return self.sizes if self.sizes is not None else default_sizes(self.max_edges)
