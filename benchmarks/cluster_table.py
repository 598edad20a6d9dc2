"""The clustering table of ``docs/clustering.md`` and the README: every row run as a user runs
it, ``gcnlab cluster DATASET --method M --json ...``, then one Markdown table of our means ±
standard deviations beside the published anchors.

Each command's output goes to ``<out>/<row>.txt`` and its result to ``<out>/<row>.json``; a row
whose JSON exists is not run again (delete it to rerun), so an interrupted table resumes.
``--jobs`` commands run at once, each with ``OMP_NUM_THREADS=1``.

    python benchmarks/cluster_table.py --root /path/to/datasets --out runs/cluster --jobs 2
    python benchmarks/cluster_table.py --out runs/cluster --table-only     # print the table
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATASETS = ("cora", "citeseer")
# (row name, method, extra options, datasets): the protocol rows, then the ablations of
# docs/clustering.md (the last on Cora only: k-means on CiteSeer's smoothed 3703-d features, for
# every order and run, takes about an hour on one core)
ROWS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("gae", "gae", (), DATASETS),
    ("vgae", "vgae", (), DATASETS),
    ("smooth", "smooth", (), DATASETS),
    ("kmeans", "kmeans", (), DATASETS),
    ("spectral", "spectral", (), DATASETS),
    ("gae-normalized", "gae", ("--features", "normalized"), DATASETS),
    ("vgae-normalized", "vgae", ("--features", "normalized"), DATASETS),
    ("gae-restarts50", "gae", ("--restarts", "50"), DATASETS),
    ("smooth-kmeans", "smooth", ("--assign", "kmeans"), ("cora",)),
)


def command(
    dataset: str, method: str, extra: tuple[str, ...], root: str | None, json_path: Path
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "gcnlab",
        "cluster",
        dataset,
        "--method",
        method,
        *extra,
        "--json",
        str(json_path),
    ]
    return cmd + (["--root", root] if root else [])


def run_row(
    dataset: str, row: str, method: str, extra: tuple[str, ...], args: argparse.Namespace
) -> str:
    out = Path(args.out)
    json_path, log_path = out / f"{dataset}-{row}.json", out / f"{dataset}-{row}.txt"
    if json_path.exists():
        return f"{dataset} {row}: done before"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = command(dataset, method, extra, args.root, json_path)
    start = time.perf_counter()
    with open(log_path, "w") as log:
        log.write(" ".join(cmd[1:]) + "\n")
        log.flush()
        code = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    return f"{dataset} {row}: exit {code} after {time.perf_counter() - start:.0f} s"


def pct(mean: float | None, std: float | None = None) -> str:
    if mean is None:
        return "—"
    return f"{100 * mean:.1f} ± {100 * std:.1f}" if std is not None else f"{mean:.1f}"


def table(out: Path) -> str:
    """Our rows and the anchors, as Markdown (rows not run yet are left out)."""
    from gcnlab.experiments.published import published_clustering

    lines = [
        "| dataset | method | ACC | NMI | ARI | F1 | p (smooth) | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset in DATASETS:
        for row, _, extra, on in ROWS:
            path = out / f"{dataset}-{row}.json"
            if dataset not in on or not path.exists():
                continue
            r = json.loads(path.read_text())
            name = f"**gcnlab {row}**" if not extra else f"gcnlab {row} (ablation)"
            power = ", ".join(map(str, sorted(set(r["power"])))) if r["power"] else ""
            lines.append(
                f"| {dataset} | {name} | {pct(r['acc_mean'], r['acc_std'])} | "
                f"{pct(r['nmi_mean'], r['nmi_std'])} | {pct(r['ari_mean'], r['ari_std'])}"
                f" | {pct(r['f1_mean'], r['f1_std'])} | {power} | {r['runs']} |"
            )
        for a in published_clustering(dataset):
            lines.append(
                f"| {dataset} | {a.method} ({a.source.key}) | {pct(a.acc)} | "
                f"{pct(a.nmi)} | {pct(a.ari)} | — | | |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="data root holding Cora/raw and CiteSeer/raw")
    parser.add_argument("--out", default="runs/cluster", help="folder for JSON and logs")
    parser.add_argument("--jobs", type=int, default=2, help="commands at once")
    parser.add_argument("--table-only", action="store_true", help="print the table and stop")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        print(f"load average: {os.getloadavg()}", flush=True)
        todo = [(d, row, m, extra) for d in DATASETS for row, m, extra, on in ROWS if d in on]
        with ThreadPoolExecutor(args.jobs) as pool:
            for line in pool.map(lambda t: run_row(*t, args), todo):
                print(line, flush=True)
        print(f"load average: {os.getloadavg()}", flush=True)
    print(table(out))


if __name__ == "__main__":
    main()
