"""The long paper experiments spread over many CPU cores: one single-threaded process per job.

``gcnlab reproduce gcn-depth`` trains 400 models one after the other; on a machine with many cores
this script runs the same points in parallel and writes the same files (``depth.md``,
``depth.json``, ``depth_<dataset>.png``). ``table3-ablation`` measures what moves the Table 3
rows: ``--runs`` seeds (the paper: 100) of every propagation model, and for each run the test
accuracy at the epoch chosen by validation (gcnlab's default) and at the last epoch (the
original code's report), with the original early stopping and without it (200 epochs).

    python benchmarks/paper_parallel.py depth --root datasets --workers 14 --out runs/gcn-depth
    python benchmarks/paper_parallel.py depth --folds 5 --root datasets --out runs/gcn-depth-cv
    python benchmarks/paper_parallel.py table3-ablation --root datasets --dataset citeseer \\
        --runs 100 --workers 14 --out runs/table3-ablation
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import time
from pathlib import Path


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one core per process: no oversubscription


# ---- depth ----------------------------------------------------------------------------------


def _depth_point(args: tuple) -> list:
    from gcnlab.experiments.depth import depth_study

    config, dataset, layers, residual = args
    part = dataclasses.replace(config, datasets=(dataset,), depths=(layers,), residual=(residual,))
    return depth_study(part).rows


def depth(args: argparse.Namespace) -> None:
    from gcnlab.experiments.depth import DepthConfig, DepthResult, to_markdown, write_tables
    from gcnlab.plots.paper import depth_figures
    from gcnlab.utils.runtime import resolve_device

    config = DepthConfig(
        runs=args.runs,
        folds=args.folds,
        root=args.root,
        device="cpu",
        datasets=tuple(args.dataset),
    )
    if args.epochs:
        config.epochs = args.epochs
    config.validate()
    points = [
        (config, d, layers, r)
        for d in config.datasets
        for r in config.residual
        for layers in config.depths
    ]
    # the deepest first, so that the slowest points do not start last
    order = sorted(range(len(points)), key=lambda i: -points[i][2])
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers, _init_worker) as pool:
        done = dict(
            zip(order, pool.map(_depth_point, [points[i] for i in order], chunksize=1), strict=True)
        )
    rows = [row for i in range(len(points)) for row in done[i]]
    import datetime

    from gcnlab.io.results import versions

    result = DepthResult(
        rows=rows,
        config=dataclasses.asdict(config),
        device=str(resolve_device("cpu")),
        threads=1,
        seconds=time.perf_counter() - start,
        started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        versions=versions(),
    )
    out = Path(args.out)
    for path in write_tables(result, out) + depth_figures(result, out):
        print(f"wrote {path}")
    print(to_markdown(result))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{args.workers} worker processes, {time.perf_counter() - start:.0f} s wall, load {load}")


# ---- Table 3 ablation -----------------------------------------------------------------------


def _table3_chunk(args: tuple) -> dict:
    from gcnlab.tasks.node import NodeConfig, train_node

    dataset, root, propagation, patience, seeds = args
    result = train_node(
        NodeConfig(
            dataset=dataset,
            root=root,
            propagation=propagation,
            patience=patience,
            runs=len(seeds),
            seed=seeds[0],
            device="cpu",
        )
    )
    return {
        "selected": [100 * v for v in result.test_acc],
        "last": [100 * h[-1].test_acc for h in result.history],
        "epochs": result.epochs,
        "seconds": result.seconds,
    }


def table3_ablation(args: argparse.Namespace) -> None:
    from gcnlab.experiments.published import paper_number
    from gcnlab.nn.propagation import Propagation
    from gcnlab.utils.stats import mean_std

    chunk = 10
    jobs = [
        (dataset, args.root, p.value, patience, list(range(s, min(s + chunk, args.runs))))
        for dataset in args.dataset
        for p in Propagation
        for patience in (10, 0)
        for s in range(0, args.runs, chunk)
    ]
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers, _init_worker) as pool:
        parts = pool.map(_table3_chunk, jobs, chunksize=1)
    merged: dict[tuple, dict] = {}
    for (dataset, _, propagation, patience, _), part in zip(jobs, parts, strict=True):
        entry = merged.setdefault(
            (dataset, propagation, patience),
            {"selected": [], "last": [], "epochs": [], "seconds": 0.0},
        )
        for key in ("selected", "last", "epochs"):
            entry[key] += part[key]
        entry["seconds"] += part["seconds"]
    lines = [
        f"| dataset | model | paper | early stop, selected (gcnlab) | early stop, last epoch "
        f"(original code) | 200 epochs, selected | 200 epochs, last | first {chunk} seeds, "
        "selected |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]

    def fmt(values: list[float]) -> str:
        mean, std = mean_std(values)
        return f"{mean:.1f} ± {std:.1f}"

    for dataset in args.dataset:
        for p in Propagation:
            stop, full = merged[(dataset, p.value, 10)], merged[(dataset, p.value, 0)]
            paper = paper_number(p.value, dataset, "accuracy")
            lines.append(
                f"| {dataset} | {p.label} | {paper.value if paper else '—'} | "
                f"{fmt(stop['selected'])} | {fmt(stop['last'])} | {fmt(full['selected'])} | "
                f"{fmt(full['last'])} | {fmt(stop['selected'][:chunk])} |"
            )
    lines += [
        "",
        f"- Test accuracy (%), mean ± sample standard deviation over {args.runs} seeds (0–"
        f"{args.runs - 1}); early stop: the original code's rule (validation loss above the mean "
        "of the 10 before it), 200 epochs at most; selected: the epoch with the best validation "
        "accuracy; last: the last epoch trained. Paper: Kipf & Welling 2017, Table 3 (mean of "
        "100 runs).",
        f"- {args.workers} single-threaded worker processes, {time.perf_counter() - start:.0f} s "
        f"wall, load average {', '.join(f'{v:.2f}' for v in os.getloadavg())} at the end.",
    ]
    markdown = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table3-ablation.md").write_text(markdown)
    payload = {f"{d}/{p}/patience={pat}": v for (d, p, pat), v in merged.items()}
    (out / "table3-ablation.json").write_text(json.dumps(payload, indent=1))
    print(markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=("depth", "table3-ablation"))
    parser.add_argument("--root", default=None)
    parser.add_argument("--dataset", action="append", default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--folds", type=int, default=0, help="depth: K-fold cross-validation (0: public split)"
    )
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    parser.add_argument("--out", default="runs/paper-parallel")
    args = parser.parse_args()
    if args.experiment == "depth":
        args.dataset = args.dataset or ["cora", "citeseer"]
        args.runs = args.runs or 10
        depth(args)
    else:
        args.dataset = args.dataset or ["citeseer"]
        args.runs = args.runs or 100
        table3_ablation(args)


if __name__ == "__main__":
    main()
