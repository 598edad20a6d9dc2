"""``gcnlab train --split random`` over 10 seeds on Cora and CiteSeer, beside the GCN paper's
random-split row (Kipf & Welling 2017, Table 2: Cora 80.1 ± 0.5, CiteSeer 67.9 ± 0.5).

Each seed draws its own split (20 labeled nodes per class, 500 validation, 1000 test; PyG's
``Planetoid(split="random")`` algorithm) and initialization; the public split is run beside it
with the same settings. Runs the installed command line, one torch thread.

    python benchmarks/random_split.py --root datasets --runs 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PAPER = {"cora": (80.1, 0.5), "citeseer": (67.9, 0.5)}  # random splits, Table 2
PUBLIC = {"cora": 81.5, "citeseer": 70.3}  # the public split, Table 2


def train(dataset: str, split: str, root: str, runs: int, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gcnlab",
            "train",
            dataset,
            "--root",
            root,
            "--split",
            split,
            "--runs",
            str(runs),
            "--threads",
            "1",
            "--json",
            str(out),
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="datasets")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    print("| dataset | split | gcnlab (mean ± std, %) | paper | runs | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (mean, std) in PAPER.items():
            for split in ("random", "public"):
                r = train(name, split, args.root, args.runs, Path(tmp) / f"{name}_{split}.json")
                paper = f"{mean} ± {std}" if split == "random" else f"{PUBLIC[name]}"
                print(
                    f"| {name} | {split} | {100 * r['test_acc_mean']:.1f} ± "
                    f"{100 * r['test_acc_std']:.1f} | {paper} | {r['runs']} | "
                    f"{r['seconds']:.1f} |",
                    flush=True,
                )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
