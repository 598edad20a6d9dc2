"""Reproduce the papers: run their protocols on the datasets at hand, compare with their numbers.

``reproduce(ReproduceConfig(...))`` runs, for each seed,

- ``gcn``: the GCN of Kipf & Welling (2017) with the paper's hyper-parameters
  (:class:`~gcnlab.NodeConfig`'s defaults), test accuracy (their Table 2);
- ``gcn-random``: the same GCN on a random split per run (``NodeConfig(split="random")``: 20
  labelled nodes per class, 500 validation, 1000 test, drawn from the run's seed), their Table 2's
  "GCN (rand. splits)" row; reported as the paper does, mean ± standard error (with the std);
- ``gae`` / ``vgae``: the graph auto-encoders of Kipf & Welling (2016) with the paper's
  hyper-parameters (:class:`~gcnlab.LinkConfig`'s defaults), test AUC and AP (their Table 1);
- ``grid``: the digits CNN built from GridConv (message passing) and its Conv2d twin. No paper:
  the GridConv network's reference is the Conv2d network's accuracy in the same run, with the
  same seeds, splits and initial weights;
- ``gcn-table3``: the seven propagation models of the GCN paper's Table 3, each the node task
  with ``NodeConfig(propagation=...)`` and otherwise the paper's protocol (test accuracy);
- ``gcn-family``: SGC (Wu et al. 2019), APPNP (Klicpera et al. 2019) and GCNII (Chen et al.
  2020) beside the GCN on the public splits, each with its paper's hyper-parameters
  (:meth:`~gcnlab.NodeConfig.for_model`), against SGC's Table 2 and GCNII's Table 2 (which
  tabulates APPNP on these splits: APPNP's own paper uses random splits); with SGC's training
  time beside the GCN's;
- ``gae-table1``: the GAE paper's rows without node features: GAE* and VGAE* (identity features,
  ``LinkConfig(features="none")``), spectral clustering and DeepWalk
  (:mod:`gcnlab.experiments.baselines`), on the same edge splits (test AUC and AP).

``all`` is the headline rows (``gcn``, ``gcn-random``, ``gae``, ``vgae``, ``grid``).

on the Planetoid datasets whose files are under the data root; a dataset whose files are missing
gets a row saying so, not an error. Each row holds the mean ± sample standard deviation over the
seeds, the reference number, the difference, and the time spent training. The paper numbers live
in :mod:`gcnlab.experiments.published`. :func:`write_tables` writes the table as Markdown and JSON.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gcnlab.data.datasets import check_name, dataset_status, resolve_root
from gcnlab.errors import GcnlabError
from gcnlab.experiments.published import CITATIONS, paper_number
from gcnlab.experiments.reproduce_config import (  # noqa: F401 (kept importable from here)
    CHOICES,
    COMMAND_CHOICES,
    EXPERIMENTS,
    MAX_RUNS,
    MORE_ROWS,
    PAPER_DATASETS,
    PROTOCOLS,
    ReproduceConfig,
)
from gcnlab.experiments.tables import header
from gcnlab.io.results import versions
from gcnlab.io.results import write_tables as write_result_tables
from gcnlab.nn.propagation import Propagation
from gcnlab.tasks.node_config import NodeConfig, paper_settings
from gcnlab.utils.runtime import resolve_device
from gcnlab.utils.stats import mean_std, standard_error

log = logging.getLogger(__name__)


# the models (one job each, per dataset) of each graph protocol
PROTOCOL_MODELS: dict[str, tuple[str, ...]] = {
    "gcn": ("gcn",),
    "gcn-random": ("gcn-random",),
    "gae": ("gae",),
    "vgae": ("vgae",),
    "gcn-table3": tuple(p.value for p in Propagation),
    "gae-table1": ("gae-featureless", "vgae-featureless", "sc", "deepwalk"),
    "gcn-family": ("gcn", "sgc", "appnp", "gcnii"),
}
LINK_PROTOCOLS = ("gae", "vgae", "gae-table1")  # scored by AUC and AP
MODEL_NAMES = {
    "gcn": "GCN",
    "sgc": "SGC",
    "appnp": "APPNP",
    "gcnii": "GCNII",
    "gcn-random": "GCN (rand. splits)",
    "gae": "GAE",
    "vgae": "VGAE",
    **{p.value: p.label for p in Propagation},
    "gae-featureless": "GAE*",
    "vgae-featureless": "VGAE*",
    "sc": "SC",
    "deepwalk": "DW",
    "conv2d": "CNN, Conv2d",
    "gridconv": "CNN, GridConv",
}
METRIC_NAMES = {"accuracy": "accuracy", "auc": "AUC", "ap": "AP"}
TWIN = "Conv2d twin"  # the reference of the GridConv row
# what differs from the table's usual protocol, per gcn-family model
FAMILY_NOTES: dict[str, list[str]] = {
    "sgc": [
        "the last of 100 epochs, as SGC's official code (no validation selection); "
        "its time includes computing P^2 X once per run"
    ],
    "appnp": [
        "reference: GCNII's Table 2 on the public split (APPNP's own paper reports "
        "random splits only)"
    ],
    "gcnii": ["the epoch of the lowest validation loss, as GCNII's official code"],
}
# protocols whose rows show the standard error of the mean, as their paper reports them
STANDARD_ERROR: tuple[str, ...] = ("gcn-random",)


@dataclass
class Job:
    """One training the table needs: a protocol on one dataset (or one digits network)."""

    index: int  # 0-based, among the jobs that train
    total: int  # jobs that train
    protocol: str  # gcn | gcn-random | gae | vgae | grid | gcn-table3 | gae-table1
    dataset: str
    model: str  # a key of MODEL_NAMES
    runs: int
    epochs: int  # maximum epochs per run

    @property
    def label(self) -> str:
        return f"{MODEL_NAMES[self.model]} on {self.dataset}"


@dataclass
class ReproduceRow:
    """One line of the table. Numbers are percentages; differences are percentage points."""

    dataset: str
    model: str  # as printed: GCN, GAE, VGAE, "CNN, Conv2d", "CNN, GridConv"
    metric: str  # accuracy | AUC | AP
    status: str  # ok | missing (data not under the root) | failed | partial (interrupted)
    mean: float | None = None  # over the runs; None when not run
    std: float | None = None  # sample standard deviation over the runs
    sem: float | None = None  # standard error of the mean, std / sqrt(runs)
    spread: str = "std"  # what the table shows after ±: std, or sem where the paper does
    values: list[float] = field(default_factory=list)  # per run
    runs: int = 0
    reference: float | None = None  # the paper's number, or the Conv2d twin's mean
    reference_error: float | None = None  # the spread the paper prints beside it, if any
    reference_source: str = ""  # the paper (gcnlab.experiments.published citation key), TWIN, or ""
    difference: float | None = None  # mean - reference
    seconds: float | None = None  # training loops of all runs (shared by a job's rows)
    note: str = ""  # why a row was not run, or what differs from the paper's setting
    config: dict = field(default_factory=dict)  # the training config of the job
    result: Any = field(default=None, repr=False, compare=False)  # the job's full result; not
    # written to JSON (shared by the AUC and AP rows of a link job)


@dataclass
class ReproduceResult:
    """The outcome of :func:`reproduce`."""

    rows: list[ReproduceRow]
    config: dict
    seeds: list[int]
    device: str
    threads: int  # torch's CPU threads during the run (times depend on it)
    seconds: float  # wall time of the whole reproduction
    started: str  # ISO 8601, UTC
    versions: dict
    citations: dict[str, str]  # citation key -> full reference
    partial: bool = False  # interrupted: only the finished rows


def plan(config: ReproduceConfig) -> tuple[list[Job], list[tuple[str, str, str, str]]]:
    """The jobs that will train, and ``(protocol, model, dataset, why)`` for those that cannot
    (their files are missing)."""
    wanted = PROTOCOLS if config.which == "all" else (config.which,)
    todo: list[tuple[str, str, str, int]] = []  # protocol, dataset, model, epochs
    skipped: list[tuple[str, str, str, str]] = []
    for protocol in wanted:
        if protocol == "grid":
            epochs = config.epochs or _digits_default_epochs()
            todo += [("grid", "digits", layer, epochs) for layer in ("conv2d", "gridconv")]
            continue
        for name in dict.fromkeys(check_name(d) for d in config.datasets):
            status = dataset_status(name, config.root)
            why = f"not run: {status} under {resolve_root(config.root)}"
            for model in PROTOCOL_MODELS[protocol]:
                if status.startswith("missing"):
                    skipped.append((protocol, model, name, why))
                else:
                    epochs = config.epochs or _epochs(protocol, model, name)
                    todo.append((protocol, name, model, epochs))
    jobs = [Job(i, len(todo), p, d, m, config.runs, e) for i, (p, d, m, e) in enumerate(todo)]
    return jobs, skipped


def _epochs(protocol: str, model: str, dataset: str) -> int:
    """A graph job's epochs: the GCN papers' 200, or a family model's paper's on ``dataset``."""
    if protocol == "gcn-family":
        return int(paper_settings(model, dataset).get("epochs", 200))  # type: ignore[call-overload]
    return 200


def _digits_default_epochs() -> int:
    from gcnlab.tasks.digits import DigitsConfig

    return DigitsConfig().epochs


def _metrics(protocol: str) -> list[tuple[str, str]]:
    """(metric name, result field with per-run fractions) for a protocol."""
    if protocol in LINK_PROTOCOLS:
        return [("auc", "auc"), ("ap", "ap")]
    return [("accuracy", "test_acc")]


def _paper(model: str, dataset: str, metric: str) -> tuple[float | None, str, float | None]:
    """The paper's number, its citation key and the spread it prints beside it."""
    number = paper_number(model, dataset, metric)
    return (number.value, number.citation.key, number.error) if number else (None, "", None)


def _train(
    job: Job, config: ReproduceConfig, device: str, on_epoch: Callable[[Any], None] | None
) -> Any:
    common = {"runs": config.runs, "seed": config.seed, "device": device, "epochs": job.epochs}
    if job.protocol == "gcn-family":  # each model with its paper's settings on this dataset
        from gcnlab.tasks.node import train_node

        return train_node(
            NodeConfig.for_model(job.model, dataset=job.dataset, root=config.root, **common),
            on_epoch=on_epoch,
        )
    if job.protocol in ("gcn", "gcn-random", "gcn-table3"):
        from gcnlab.tasks.node import train_node

        propagation = job.model if job.protocol == "gcn-table3" else "renormalization"
        # gcn-random: run i trains on the per-class random split drawn from seed + i
        split = "random" if job.protocol == "gcn-random" else "auto"
        return train_node(
            NodeConfig(
                dataset=job.dataset,
                root=config.root,
                propagation=propagation,
                split=split,
                **common,
            ),
            on_epoch=on_epoch,
        )
    if job.model in ("sc", "deepwalk"):
        from gcnlab.experiments.baselines import BaselineConfig, train_baseline

        return train_baseline(
            BaselineConfig(
                method=job.model,
                dataset=job.dataset,
                runs=config.runs,
                seed=config.seed,
                root=config.root,
            )
        )
    if job.protocol in LINK_PROTOCOLS:
        from gcnlab.tasks.link import LinkConfig, train_link

        # GAE* and VGAE*: the same models without node features (identity input)
        model, _, featureless = job.model.partition("-")
        features = "none" if featureless else "raw"
        return train_link(
            LinkConfig(
                dataset=job.dataset, model=model, features=features, root=config.root, **common
            ),
            on_epoch=on_epoch,
        )
    from gcnlab.tasks.digits import DigitsConfig, train_digits

    return train_digits(DigitsConfig(layer=job.model, **common), on_epoch=on_epoch)


def _rows_of(job: Job, result: Any) -> list[ReproduceRow]:
    rows = []
    notes = []
    if getattr(result, "reconstruction", "dense") != "dense":
        notes.append(f"{result.reconstruction} reconstruction loss (the paper's is dense)")
    if result.partial:
        notes.append(f"interrupted: {result.runs} of {job.runs} runs")
    if job.protocol == "gcn-family":
        notes += FAMILY_NOTES.get(job.model, [])
    note = "; ".join(notes)
    for metric, name in _metrics(job.protocol):
        values = [100 * v for v in getattr(result, name)]
        mean, std = mean_std(values)
        reference, source, error = _paper(job.model, job.dataset, metric)
        rows.append(
            ReproduceRow(
                dataset=job.dataset,
                model=MODEL_NAMES[job.model],
                metric=METRIC_NAMES[metric],
                status="partial" if result.partial else "ok",
                mean=mean,
                std=std,
                sem=standard_error(values),
                spread="sem" if job.protocol in STANDARD_ERROR else "std",
                values=values,
                runs=len(values),
                reference=reference,
                reference_error=error,
                reference_source=source,
                difference=None if reference is None else mean - reference,
                seconds=result.seconds,
                note=note,
                config=dict(result.config),
                result=result,
            )
        )
    return rows


def _empty_rows(
    protocol: str, model: str, dataset: str, status: str, why: str
) -> list[ReproduceRow]:
    """Rows for a job that gave no numbers: the reference is still shown."""
    rows = []
    for metric, _ in _metrics(protocol):
        reference, source, error = _paper(model, dataset, metric)
        rows.append(
            ReproduceRow(
                dataset=dataset,
                model=MODEL_NAMES[model],
                metric=METRIC_NAMES[metric],
                status=status,
                spread="sem" if protocol in STANDARD_ERROR else "std",
                reference=reference,
                reference_error=error,
                reference_source=source,
                note=why,
            )
        )
    return rows


def _compare_twins(rows: list[ReproduceRow]) -> None:
    """The GridConv row's reference: the Conv2d row of the same run."""
    twin = next((r for r in rows if r.model == MODEL_NAMES["conv2d"] and r.mean is not None), None)
    for row in rows:
        if row.model == MODEL_NAMES["gridconv"] and twin is not None and row.mean is not None:
            row.reference, row.reference_source = twin.mean, TWIN
            row.difference = row.mean - twin.mean


def reproduce(
    config: ReproduceConfig | None = None,
    *,
    on_row: Callable[[ReproduceRow], None] | None = None,
    on_epoch: Callable[[Job, Any], None] | None = None,
    on_job: Callable[[Job], None] | None = None,
) -> ReproduceResult:
    """Run the papers' protocols and return the table.

    Args:
        config: what to run (default: everything, 10 seeds).
        on_row: called with each row as soon as it is known (missing datasets first).
        on_epoch: called after every epoch of every run with the job and its epoch statistics.
        on_job: called when a job starts training.

    A ``KeyboardInterrupt`` keeps the rows finished so far (``partial=True``; a job interrupted
    after at least one finished run gives rows marked ``partial``); with no row, it propagates.
    """
    config = config or ReproduceConfig()
    config.validate()
    device = str(resolve_device(config.device))
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.perf_counter()
    jobs, skipped = plan(config)
    rows: list[ReproduceRow] = []

    def emit(new: list[ReproduceRow]) -> None:
        rows.extend(new)
        _compare_twins(rows)
        if on_row is not None:
            for row in new:
                on_row(row)

    for protocol, model, dataset, why in skipped:
        log.info("%s on %s: %s", model, dataset, why)
        emit(_empty_rows(protocol, model, dataset, "missing", why))
    partial = False
    for job in jobs:
        if on_job is not None:
            on_job(job)
        hook = None if on_epoch is None else (lambda stats, job=job: on_epoch(job, stats))
        try:
            result = _train(job, config, device, hook)
        except KeyboardInterrupt:
            if not rows or all(r.status == "missing" for r in rows):
                raise
            partial = True
            break
        except GcnlabError as exc:  # e.g. corrupted files or a diverged run: say so, go on
            log.warning("%s: %s", job.label, exc)
            emit(_empty_rows(job.protocol, job.model, job.dataset, "failed", f"failed: {exc}"))
            continue
        emit(_rows_of(job, result))
        if result.partial:
            partial = True
            break
    rows.sort(key=_row_order)
    return ReproduceResult(
        rows=rows,
        config=dataclasses.asdict(config),
        device=device,
        seeds=[config.seed + r for r in range(config.runs)],
        threads=torch.get_num_threads(),
        seconds=time.perf_counter() - clock,
        started=started.isoformat(timespec="seconds"),
        versions=versions(),
        citations={c.key: str(c) for c in CITATIONS},
        partial=partial,
    )


def _row_order(row: ReproduceRow) -> tuple[int, int, int]:
    models = list(MODEL_NAMES.values())
    datasets = [*PAPER_DATASETS, "karate", "digits"]
    metrics = list(METRIC_NAMES.values())
    return (models.index(row.model), datasets.index(row.dataset), metrics.index(row.metric))


# ---- the table as text ----------------------------------------------------------------------

COLUMNS = ("dataset", "model", "metric", "gcnlab", "reference", "source", "difference", "time")
NUMERIC = ("gcnlab", "reference", "difference", "time")  # right-aligned


def cells(row: ReproduceRow) -> list[str]:
    """The row's cells, as both the terminal table and the Markdown show them."""
    if row.mean is None:
        value = {"missing": "not run: no data", "failed": "failed"}.get(row.status, "—")
    elif row.runs > 1 and row.spread == "sem":
        value = f"{row.mean:.1f} ± {row.sem:.1f} (SE; std {row.std:.1f})"
    elif row.runs > 1:
        value = f"{row.mean:.1f} ± {row.std:.1f}"
    else:
        value = f"{row.mean:.1f}"
    reference = "—" if row.reference is None else f"{row.reference:.1f}"
    if row.reference is not None and row.reference_error is not None:
        reference += f" ± {row.reference_error:.1f}"
    difference = "—" if row.difference is None else f"{row.difference:+.1f}"
    seconds = "—" if row.seconds is None else f"{row.seconds:.1f} s"
    return [
        row.dataset,
        row.model,
        row.metric,
        value,
        reference,
        row.reference_source or "—",
        difference,
        seconds,
    ]


def notes(result: ReproduceResult) -> list[str]:
    """The lines under the table: units, seeds, setting, references, versions."""
    seeds = result.seeds
    span = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    v = result.versions
    standard_error_rows = [row for row in result.rows if row.spread == "sem"]
    marked = " (rows marked SE: standard error)" if standard_error_rows else ""
    lines = [
        f"Percent; gcnlab: mean ± sample standard deviation{marked} over {len(seeds)} seed(s) "
        f"({span}), each at the epoch chosen by validation; difference: gcnlab − reference, in "
        f"points. Time: the training loops of all seeds, on {result.device} "
        f"({result.threads} CPU thread(s)).",
    ]
    if standard_error_rows:
        models = ", ".join(dict.fromkeys(row.model for row in standard_error_rows))
        lines.append(
            f"{models}: one random split per seed (seed s draws it: 20 labelled nodes per class "
            "train, 500 others validate, 1000 test, the sizes of Yang et al. 2016); gcnlab: mean "
            "± standard error (SE = sample std / √n over the n splits) as the paper reports this "
            "row, the sample std beside it; reference: the paper's mean ± standard error over 10 "
            "splits."
        )
    lines += _speed_lines(result.rows)
    if result.config.get("epochs"):
        lines.append(f"Epochs capped at {result.config['epochs']} (not the papers' protocol).")
    sources = {row.reference_source for row in result.rows}
    lines += [f"{key}: {ref}." for key, ref in result.citations.items() if key in sources]
    if any(row.dataset == "digits" for row in result.rows):
        lines.append(
            "digits: scikit-learn's 8×8 digits, no paper; the reference of the "
            "GridConv (message passing) CNN is the same CNN built from torch.nn.Conv2d, "
            "trained in the same run with the same seeds, split and initial weights."
        )
    by_note: dict[tuple[str, str], list[str]] = {}  # (dataset, note) -> models, in order
    for row in result.rows:
        if row.note:
            models = by_note.setdefault((row.dataset, row.note), [])
            if row.model not in models:
                models.append(row.model)
    for (dataset, note), models in by_note.items():
        lines.append(f"{dataset} ({', '.join(models)}): {note}.")
    lines.append(
        f"gcnlab {v.get('gcnlab')}, torch {v.get('torch')}, torch_geometric "
        f"{v.get('torch_geometric')}, Python {v.get('python')}; {result.started}"
        f"{' (interrupted: finished rows only)' if result.partial else ''}."
    )
    return lines


def _speed_lines(rows: list[ReproduceRow]) -> list[str]:
    """SGC's training time beside the GCN's, per dataset where both ran."""
    seconds = {(r.dataset, r.model): r.seconds for r in rows if r.seconds}
    lines = []
    for dataset in dict.fromkeys(r.dataset for r in rows):
        sgc, gcn = seconds.get((dataset, "SGC")), seconds.get((dataset, "GCN"))
        if sgc and gcn:
            lines.append(
                f"{dataset}: SGC trained in {sgc:.1f} s, the GCN in {gcn:.1f} s "
                f"({gcn / sgc:.1f}x the SGC's time), all seeds."
            )
    return lines


def to_markdown(result: ReproduceResult) -> str:
    """The table as GitHub Markdown, with its notes below."""
    lines = [
        *header(COLUMNS, NUMERIC),
    ]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in result.rows]
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {line}" for line in notes(result)) + "\n"


def to_payload(result: ReproduceResult) -> dict:
    """The JSON form: everything but each row's full result object."""
    payload = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    payload["rows"] = [
        {f.name: getattr(row, f.name) for f in dataclasses.fields(row) if f.name != "result"}
        for row in result.rows
    ]
    payload["markdown"] = to_markdown(result)
    return payload


def write_tables(result: ReproduceResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``reproduce.md`` and ``reproduce.json`` into ``folder`` (atomically)."""
    payload = to_payload(result)
    return write_result_tables(folder, "reproduce", payload["markdown"], payload)
