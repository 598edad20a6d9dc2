"""The GCN family's public-split accuracies against their papers (issue #21), each model with
its paper's settings (``NodeConfig.for_model``): the exact call each ``gcnlab reproduce
gcn-family`` job makes, one model and dataset at a time, so a long row (GCNII: about 35 min for
10 Cora seeds on one CPU thread) can be run alone.

    python benchmarks/gcn_family_accuracy.py --models sgc appnp --datasets cora citeseer
    python benchmarks/gcn_family_accuracy.py --models gcnii --datasets cora --runs 10

Prints a Markdown table (ours mean ± std, the paper's number, the difference, seconds) and the
load average before and after.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from gcnlab.experiments.published import paper_number
from gcnlab.tasks.node import train_node
from gcnlab.tasks.node_config import NodeConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gcn", "sgc", "appnp", "gcnii"])
    parser.add_argument("--datasets", nargs="+", default=["cora", "citeseer"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--root", default=os.environ.get("GCNLAB_DATA"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| model | dataset | ours (%) | paper (%) | difference | seconds |")
    print("|---|---|---|---|---|---|")
    for model in args.models:
        for dataset in args.datasets:
            config = NodeConfig.for_model(model, dataset=dataset, root=args.root, runs=args.runs)
            start = time.perf_counter()
            result = train_node(config)
            seconds = time.perf_counter() - start
            ours = 100 * result.test_acc_mean
            paper = paper_number(model, dataset, "accuracy")
            published = "—" if paper is None else f"{paper.value:.1f}"
            gap = "—" if paper is None else f"{ours - paper.value:+.1f}"
            print(
                f"| {model} | {dataset} | {ours:.1f} ± {100 * result.test_acc_std:.1f} | "
                f"{published} | {gap} | {seconds:.0f} |",
                flush=True,
            )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
