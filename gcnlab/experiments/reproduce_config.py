"""What ``gcnlab reproduce`` can run (the papers' table rows and the experiments that are figures)
and :class:`ReproduceConfig`, without torch: the command line lists them in ``--help``."""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.errors import UsageError
from gcnlab.train import bounds
from gcnlab.train.bounds import MAX_REPRODUCE_RUNS
from gcnlab.train.config import in_range, last_seed_check, raise_first_failure

PROTOCOLS: tuple[str, ...] = ("gcn", "gcn-random", "gae", "vgae", "grid")  # headline rows: "all"
MORE_ROWS: tuple[str, ...] = ("gcn-table3", "gae-table1")  # the rest of the papers' tables
CHOICES: tuple[str, ...] = (*PROTOCOLS, *MORE_ROWS, "all")
# what `gcnlab reproduce` takes: the rows above, and the experiments that are figures with their
# own tables (gcnlab.cli.experiments: depth, timing, receptive fields)
EXPERIMENTS: tuple[str, ...] = ("gcn-depth", "gcn-timing", "receptive-field")
COMMAND_CHOICES: tuple[str, ...] = (*CHOICES, *EXPERIMENTS)
PAPER_DATASETS: tuple[str, ...] = ("cora", "citeseer", "pubmed")
MAX_RUNS = MAX_REPRODUCE_RUNS


@dataclass
class ReproduceConfig:
    """What to reproduce, and how many seeds."""

    which: str = "all"  # gcn | gcn-random | gae | vgae | grid | gcn-table3 | gae-table1 | all
    runs: int = 10  # seeds per row: seed, seed + 1, ...
    seed: int = 0  # first seed
    epochs: int | None = None  # None: each protocol's own (200 for the papers, 100 for the
    # digits); fewer only for a quick check, the numbers are then not the papers' protocol
    datasets: tuple[str, ...] = PAPER_DATASETS  # graphs for gcn, gae and vgae
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)
    device: str = "auto"  # auto | cpu | cuda

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for out-of-range values."""
        if self.which not in CHOICES:
            raise UsageError(f"choose one of {', '.join(CHOICES)}, got {self.which!r}")
        raise_first_failure(
            [
                in_range("runs", self.runs, 1, MAX_RUNS),
                in_range("seed", self.seed, 0, bounds.MAX_SEED),
                last_seed_check(self.seed, self.runs),
                in_range("epochs", 1 if self.epochs is None else self.epochs, 1, bounds.MAX_EPOCHS),
            ]
        )
        from gcnlab.data.datasets import check_name

        if not self.datasets:
            raise UsageError("give at least one dataset")
        for name in self.datasets:
            check_name(name)
