"""Why GAE clustering on Cora differs from the ARGA paper's GAE row: each candidate protocol
difference changed alone against gcnlab's protocol, then a Markdown table (issue #21, part 5).

Where each setting comes from (read in the official code, not only the papers):

- ``protocol``: ``gcnlab cluster cora --method gae``: raw binary features, 32-16 encoder, Adam at
  0.01 for 200 epochs, every edge trained on, k-means (10 k-means++ restarts) on the last epoch's
  embedding. The lr, epochs and sizes are tkipf/gae's ``gae/train.py`` flags.
- ``edges-85``: tkipf/gae's ``train.py`` and ARGA's ``arga/constructor.py::format_data`` (used by
  its ``clustering.py`` too) both call ``mask_test_edges`` and train on the 85 % of edges left
  after holding out 10 % for test and 5 % for validation, even when the task is clustering.
  Here the split is gcnlab's :func:`~gcnlab.data.link_split.split_edges` with the run's seed.
- ``latent-32``: ARGA's ``arga/settings.py`` has ``hidden2 = 32`` (its embedding); GAE's is 16.
- ``arga-optimizer``: ARGA's ``settings.py`` lr ``0.5 * 0.001`` and ``iterations = 50`` with five
  reconstruction steps each (``constructor.py::update``): 250 Adam steps at 5e-4.
- ``arga-code``: the three above together (ARGA's code without its discriminator and noise).
- ``normalized``: row-normalized features. Neither code does this (both feed the raw words); a
  reference, not a candidate.

Every run is ``fit`` of gcnlab's own task (:class:`~gcnlab.community.detect.AutoencoderClustering`)
with one seed; ``edges-85`` subclasses it only to train on the split's training graph. Each
setting's per-seed scores are kept in ``<out>/<setting>-<seeds>.json`` (a setting whose file
exists is not run again), and the table is built from every file in ``<out>``.

    OMP_NUM_THREADS=1 python benchmarks/gae_cluster_protocol.py --root /path/to/datasets \\
        --out runs/gae-protocol --seeds 10
    python benchmarks/gae_cluster_protocol.py --out runs/gae-protocol --table-only
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

# setting -> (ClusterConfig fields, train on the 85 % split)
SETTINGS: dict[str, tuple[dict[str, Any], bool]] = {
    "protocol": ({}, False),
    "edges-85": ({}, True),
    "latent-32": ({"latent": 32}, False),
    "arga-optimizer": ({"lr": 0.0005, "epochs": 250}, False),
    "arga-code": ({"latent": 32, "lr": 0.0005, "epochs": 250}, True),
    "normalized": ({"features": "normalized"}, False),
}
ANCHOR = {"acc": 59.6, "nmi": 42.9, "ari": 34.7}  # ARGA paper, Table 4, GAE on Cora


def split_task():
    """AutoencoderClustering trained on the 85 % training graph of a link split (the GAE and
    ARGA codes' ``mask_test_edges``), scored on every node."""
    from gcnlab.community.detect import AutoencoderClustering
    from gcnlab.data.link_split import split_edges

    class SplitClustering(AutoencoderClustering):
        def __init__(self, config, device, data) -> None:
            split = split_edges(data.edge_index, data.num_nodes, seed=config.seed)
            data = data.clone()
            data.edge_index = split.train_edge_index  # [2, 2 E_train]
            super().__init__(config, device, data)

    return SplitClustering


def run_setting(name: str, seeds: int, root: str | None, dataset: str) -> dict[str, Any]:
    import torch

    from gcnlab.community.config import ClusterConfig
    from gcnlab.community.detect import AutoencoderClustering
    from gcnlab.train.loop import fit

    torch.set_num_threads(1)
    fields, split = SETTINGS[name]
    task = split_task() if split else AutoencoderClustering
    scores: dict[str, list[float]] = {"acc": [], "nmi": [], "ari": []}
    start = time.perf_counter()
    for seed in range(seeds):  # one fit per seed: edges-85 draws its split from the seed
        config = ClusterConfig(
            dataset=dataset,
            method="gae",
            runs=1,
            seed=seed,
            device="cpu",
            **fields,
            **({"root": root} if root else {}),
        )
        result = fit(task, config)
        for key in scores:
            scores[key].append(getattr(result, key)[0])
        print(f"{name} seed {seed}: ACC {100 * result.acc[0]:.1f}", flush=True)
    return {
        "setting": name,
        "dataset": dataset,
        "seeds": seeds,
        **scores,
        "seconds": time.perf_counter() - start,
    }


def cell(values: list[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.fmean(values):.1f} ± {100 * std:.1f}"


def table(out: Path) -> str:
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    order = list(SETTINGS)
    rows.sort(key=lambda r: (r["seeds"], order.index(r["setting"])))
    lines = ["| setting | ACC | NMI | ARI | seeds |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['setting']} | {cell(r['acc'])} | {cell(r['nmi'])} | {cell(r['ari'])} | "
        f"{r['seeds']} |"
        for r in rows
    ]
    acc, nmi, ari = ANCHOR.values()
    lines.append(f"| ARGA paper, GAE row | {acc} | {nmi} | {ari} | not said |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder of the per-setting JSON files")
    parser.add_argument("--root", default=None, help="datasets folder (default: GCNLAB_DATA)")
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 per setting")
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        for name in args.settings:
            path = out / f"{name}-{args.seeds}.json"
            if path.exists():
                continue
            path.write_text(json.dumps(run_setting(name, args.seeds, args.root, args.dataset)))
    print(table(out))


if __name__ == "__main__":
    main()
