"""The depth study's settings (:class:`DepthConfig`, the GCN paper's Appendix B), without torch:
``gcnlab reproduce gcn-depth`` builds it before any heavy import."""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.data.sources import check_name
from gcnlab.errors import UsageError
from gcnlab.tasks.node_config import NodeConfig
from gcnlab.train import bounds
from gcnlab.train.config import in_range, raise_first_failure


@dataclass
class DepthConfig:
    """The depth study; defaults are Appendix B's setting."""

    datasets: tuple[str, ...] = ("cora", "citeseer")
    depths: tuple[int, ...] = tuple(range(1, 11))  # numbers of layers
    residual: tuple[bool, ...] = (False, True)  # without and with residual connections
    runs: int = 10  # seeds per point (public split; with folds, one run per fold)
    seed: int = 0
    folds: int = 0  # 0: the public split; K >= 2: K-fold cross-validation (Appendix B: 5)
    epochs: int = 400  # Appendix B: 400 epochs, no early stopping
    root: str | None = None
    device: str = "auto"

    def validate(self) -> None:
        if not self.datasets:
            raise UsageError("give at least one dataset")
        for name in self.datasets:
            check_name(name)
        if not self.depths or not self.residual:
            raise UsageError("give at least one depth and one residual setting")
        raise_first_failure(
            [in_range("layers", d, 1, bounds.MAX_LAYERS) for d in self.depths]
            + [
                (
                    self.folds == 0 or self.folds >= 2,
                    f"folds must be 0 (the public split) or at least 2, got {self.folds}",
                ),
                in_range("folds", self.folds, 0, bounds.MAX_RUNS),
                in_range("runs", self.runs, 1, bounds.MAX_RUNS),
                in_range("seed", self.seed, 0, bounds.MAX_SEED),
                in_range("epochs", self.epochs, 1, bounds.MAX_EPOCHS),
            ]
        )

    @property
    def spread(self) -> str:
        """What follows ± in the table: ``sem`` over folds (the paper's figure), else ``std``."""
        return "sem" if self.folds else "std"

    def node_config(self, dataset: str, layers: int, residual: bool) -> NodeConfig:
        """The node task's config of one point of the study."""
        return NodeConfig(
            dataset=dataset,
            layers=layers,
            residual=residual,
            epochs=self.epochs,
            patience=0,
            select="last",
            split=f"folds:{self.folds}" if self.folds else "auto",
            runs=self.folds or self.runs,
            seed=self.seed,
            root=self.root,
            device=self.device,
        )
