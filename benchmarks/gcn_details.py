"""Which details of the original GCN decide its accuracy: each variant over many seeds.

    python benchmarks/gcn_details.py --root datasets --runs 100 [--datasets cora,citeseer]

Rows: the paper's set-up (gcnlab's defaults), then one change at a time. Dropout "on the non-zeros
only" needs no row: for features that are zero it is the same distribution as dense dropout, so it
changes speed, not accuracy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gcnlab import NodeConfig, train_node

VARIANTS: dict[str, dict] = {
    "paper set-up (defaults: no bias, L2 on layer 1, stop rule, select by val acc)": {},
    "select by lowest val loss": {"select": "val_loss"},
    "select the last epoch (original code)": {"select": "last"},
    "bias in both layers": {"bias": True},
    "no early stopping (200 epochs)": {"patience": 0},
    "no weight decay": {"weight_decay": 0.0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("datasets"))
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--datasets", default="cora,citeseer")
    args = parser.parse_args()
    print(
        f"| variant | dataset | test accuracy % (mean ± std, {args.runs} seeds) | epochs | time s |"
    )
    print("|---|---|---|---|---|")
    for label, change in VARIANTS.items():
        for name in args.datasets.split(","):
            start = time.perf_counter()
            r = train_node(
                NodeConfig(
                    dataset=name, root=str(args.root), runs=args.runs, device="cpu", **change
                )
            )
            print(
                f"| {label} | {name} | {100 * r.test_acc_mean:.2f} ± {100 * r.test_acc_std:.2f} "
                f"| {sum(r.epochs) / len(r.epochs):.0f} | {time.perf_counter() - start:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
