"""What ``gcnlab reproduce`` can run (the papers' table rows and the experiments that are figures),
:class:`ReproduceConfig`, and the experiments' configs built from it, without torch: the command
line derives its options from the config and lists the protocols in ``--help``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from gcnlab.errors import UsageError
from gcnlab.experiments.depth_config import DepthConfig
from gcnlab.experiments.receptive_config import ReceptiveConfig
from gcnlab.experiments.timing_config import TimingConfig
from gcnlab.train import bounds
from gcnlab.train.bounds import MAX_REPRODUCE_RUNS
from gcnlab.train.config import SEED_HELP, in_range, last_seed_check, raise_first_failure
from gcnlab.utils.runtime import DEVICES
from gcnlab.utils.settings import option

PROTOCOLS: tuple[str, ...] = ("gcn", "gcn-random", "gae", "vgae", "grid")  # headline rows: "all"
# the rest of the papers' tables, and the GCN family's papers
MORE_ROWS: tuple[str, ...] = ("gcn-table3", "gae-table1", "gcn-family")
CHOICES: tuple[str, ...] = (*PROTOCOLS, *MORE_ROWS, "all")
# what `gcnlab reproduce` takes: the rows above, and the experiments that are figures with their
# own tables (:meth:`ReproduceConfig.experiment_config`: depth, timing, receptive fields)
EXPERIMENTS: tuple[str, ...] = ("gcn-depth", "gcn-timing", "receptive-field")
COMMAND_CHOICES: tuple[str, ...] = (*CHOICES, *EXPERIMENTS)
PAPER_DATASETS: tuple[str, ...] = ("cora", "citeseer", "pubmed")
MAX_RUNS = MAX_REPRODUCE_RUNS

ExperimentConfig = DepthConfig | TimingConfig | ReceptiveConfig

WHICH_HELP = (
    "gcn (Kipf & Welling 2017, Table 2), gcn-random (its random-split row: mean ± standard error "
    "over one random split per seed), gae or vgae (Kipf & Welling 2016, Table 1), grid (the "
    "digits CNN against its Conv2d twin), all (these five); gcn-table3 (the propagation models, "
    "2017 Table 3), gae-table1 (GAE*, VGAE*, SC, DeepWalk: 2016 Table 1 without features), "
    "gcn-family (SGC, APPNP, GCNII beside GCN with their papers' settings, public splits), "
    "gcn-depth (2017 Appendix B: 1-10 layers), gcn-timing (2017 Section 6.3: time per epoch on "
    "random graphs, against PyG), receptive-field (grid and graph receptive fields)."
)


@dataclass
class ReproduceConfig:
    """What to reproduce, and how many seeds; the last two fields are read by one experiment
    each (:meth:`experiment_config`)."""

    # the papers' rows (validate() takes these) or an experiment (experiment_config())
    which: str = option("all", WHICH_HELP, argument=True, choices=COMMAND_CHOICES)
    runs: int = option(10, "Seeds per row.", min=1, max=MAX_RUNS)  # seed, seed + 1, ...
    seed: int = option(0, SEED_HELP, min=0, max=bounds.MAX_SEED)  # first seed
    # None: each protocol's own (200 for the papers, 100 for the digits, gcn-family: each
    # model's paper's); fewer only for a quick
    # check, the numbers are then not the papers' protocol
    epochs: int | None = option(
        None,
        "Cap the epochs for a quick check (default: each paper's protocol).",
        min=1,
        max=bounds.MAX_EPOCHS,
    )
    datasets: tuple[str, ...] = option(
        PAPER_DATASETS,
        "A graph; repeat for several (this default is gcn/gae/vgae's; gcn-depth's is cora, "
        "citeseer; receptive-field's cora).",
        flag="--dataset",
    )
    root: str | None = option(
        None,
        "Data root (default: $GCNLAB_DATA or ./datasets); datasets missing there get a row that "
        "says so.",
        path=True,
    )
    device: str = option("auto", "Where to train.", choices=DEVICES)
    max_edges: int = option(
        2_000_000, "gcn-timing: the largest random graph, in undirected edges.", min=2000
    )
    folds: int = option(
        0,
        "gcn-depth: K-fold stratified cross-validation on all labelled nodes, one run per fold, "
        "mean ± standard error (the paper's Appendix B: 5); 0: the public split with --runs "
        "seeds.",
        min=0,
        max=MAX_RUNS,
    )

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

    def experiment_config(self, given: Collection[str] = ()) -> ExperimentConfig | None:
        """The config of the experiment :attr:`which` names (None for the papers' rows): this
        config's seed, device and data root, and the settings that experiment reads.

        ``given`` names the fields that were set on purpose (on the command line): an experiment
        takes :attr:`datasets` only then and keeps its own default datasets otherwise, as it
        keeps its own epochs while :attr:`epochs` is None.
        """
        experiment: ExperimentConfig
        if self.which == "gcn-depth":
            experiment = DepthConfig(
                runs=self.runs, seed=self.seed, folds=self.folds, root=self.root, device=self.device
            )
            if "datasets" in given:
                experiment.datasets = self.datasets
        elif self.which == "gcn-timing":
            experiment = TimingConfig(max_edges=self.max_edges, seed=self.seed, device=self.device)
        elif self.which == "receptive-field":  # trains to its own protocol: no epochs cap
            experiment = ReceptiveConfig(seed=self.seed, root=self.root, device=self.device)
            if "datasets" in given:
                experiment.dataset = self.datasets[0]
            return experiment
        else:
            return None
        if self.epochs is not None:
            experiment.epochs = self.epochs
        return experiment
