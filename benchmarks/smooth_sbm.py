"""AGC's smoothing (``gcnlab cluster --method smooth``) on a graph that is not Cora or CiteSeer:
a stochastic block model with noisy features, beside the other methods.

The graph (generated here, seeded): ``--nodes`` nodes in 4 equal blocks; each pair of nodes
is an edge with probability ``--degree-in / block size`` inside a block and ``--degree-out /
(nodes - block size)`` across blocks, so a node has on average ``--degree-in`` neighbours in
its block and ``--degree-out`` outside (Poisson degrees). Features: ``--features`` Gaussian
dimensions, each block's mean drawn from N(0, ``--separation``²), unit noise around it. The
block is the label (used for scoring only). It is written as a GNN-benchmark ``.npz`` and
clustered by :func:`gcnlab.community.detect.cluster` as ``gcnlab cluster graph.npz`` would.

Rows: ``smooth`` (AGC's adaptive order, spectral assignment), ``smooth --assign kmeans``,
``smooth --power P`` for each ``--powers``, ``spectral`` (graph only), ``kmeans`` (features
only) and ``gae`` (unless ``--no-gae``). Each prints ACC and ARI (mean ± std over ``--runs``
seeds, %), the orders chosen and why (``stopped_by``: rule / cap / fixed). ``--curve`` also
prints, for seed 0, AGC's intra-cluster distance and ACC at every order 1..``--max-power``: the
distance falls at every order, so the rule fires only on k-means noise once the features stop
changing (or never: the cap).

One thread (``OMP_NUM_THREADS=1`` unless set). 3,000 nodes: about 1-2 min without gae, gae
about 2 min more.

    python benchmarks/smooth_sbm.py
    python benchmarks/smooth_sbm.py --curve --no-gae
    python benchmarks/smooth_sbm.py --json runs/smooth_sbm.json
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_geometric.data import Data  # noqa: E402

from gcnlab.community.detect import ClusterConfig, cluster  # noqa: E402
from gcnlab.data.export import write_npz  # noqa: E402

BLOCKS = 4


def block_model(args: argparse.Namespace) -> Data:
    """The SBM with Gaussian block features (module docstring)."""
    rng = np.random.default_rng(args.graph_seed)
    n, size = args.nodes, args.nodes // BLOCKS
    y = np.repeat(np.arange(BLOCKS), size)
    n = y.size
    src, dst = np.triu_indices(n, 1)
    same = y[src] == y[dst]
    p = np.where(same, args.degree_in / size, args.degree_out / (n - size))
    keep = rng.random(src.size) < p
    src, dst = src[keep], dst[keep]
    means = rng.normal(0.0, args.separation, (BLOCKS, args.features))
    x = means[y] + rng.normal(0.0, 1.0, (n, args.features))
    edge_index = torch.from_numpy(np.stack([np.r_[src, dst], np.r_[dst, src]]))
    return Data(
        edge_index=edge_index,
        x=torch.from_numpy(x.astype(np.float32)),
        y=torch.from_numpy(y),
        num_nodes=n,
    )


def rows(args: argparse.Namespace) -> list[tuple[str, dict]]:
    out = [("smooth", {"method": "smooth"})]
    out.append(("smooth --assign kmeans", {"method": "smooth", "assign": "kmeans"}))
    out += [(f"smooth --power {p}", {"method": "smooth", "power": p}) for p in args.powers]
    out += [("spectral", {"method": "spectral"}), ("kmeans", {"method": "kmeans"})]
    return out + ([] if args.no_gae else [("gae", {"method": "gae"})])


def curve(args: argparse.Namespace, data: Data) -> None:
    """AGC's intra-cluster distance and ACC at each order, seed 0 (spectral assignment)."""
    from gcnlab.community.methods import smooth_clusters
    from gcnlab.community.scores import cluster_scores

    runs = smooth_clusters(data.x, data.edge_index, data.num_nodes, BLOCKS, [0])
    print(f"adaptive rule, seed 0: p = {runs[0].power} ({runs[0].stopped_by})")
    for p in range(1, args.max_power + 1):
        (run,) = smooth_clusters(data.x, data.edge_index, data.num_nodes, BLOCKS, [0], power=p)
        acc = cluster_scores(data.y.numpy(), run.clusters).acc
        print(f"  p {p:2d}  d_intra {run.intra[-1]:.6f}  ACC {100 * acc:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=3000)
    parser.add_argument("--degree-in", type=float, default=6.0)
    parser.add_argument("--degree-out", type=float, default=3.0)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--separation", type=float, default=0.15)
    parser.add_argument("--graph-seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--powers", type=int, nargs="*", default=[8, 12])
    parser.add_argument("--max-power", type=int, default=60)
    parser.add_argument("--no-gae", action="store_true")
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    data = block_model(args)
    degree = data.edge_index.size(1) / data.num_nodes
    print(
        f"SBM: {data.num_nodes} nodes, {BLOCKS} blocks, mean degree {degree:.2f}, "
        f"{args.features} features, {torch.get_num_threads()} thread(s)"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = write_npz(data, Path(folder) / "sbm.npz")
        if args.curve:
            curve(args, data)
        for name, fields in rows(args):
            start = time.perf_counter()
            config = ClusterConfig(
                dataset=str(path), runs=args.runs, max_power=args.max_power, **fields
            )
            r = cluster(config)
            seconds = time.perf_counter() - start
            stopped = getattr(r, "stopped_by", [])
            row = {
                "row": name,
                "acc": [100 * a for a in r.acc],
                "ari": [100 * a for a in r.ari],
                "power": r.power,
                "stopped_by": stopped,
                "seconds": seconds,
            }
            results.append(row)
            orders = f"  p {sorted(set(r.power))}" if r.power else ""
            why = {s: stopped.count(s) for s in sorted(set(stopped))}
            print(
                f"{name:24s} ACC {100 * r.acc_mean:5.1f} ± {100 * r.acc_std:4.1f}  "
                f"ARI {100 * r.ari_mean:5.1f} ± {100 * r.ari_std:4.1f}{orders}"
                f"{f'  {why}' if why else ''}  ({seconds:.0f} s)",
                flush=True,
            )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"args": vars(args) | {"json": str(args.json)}, "rows": results}, indent=1)
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
