"""One GCN layer, forward and backward, on large random graphs: gcnlab's GCNConv against PyG's in
the same run, on the CPU or a GPU.

    OMP_NUM_THREADS=1 python benchmarks/bench_propagation.py --device cpu --sizes 100000
    python benchmarks/bench_propagation.py --device cuda --sizes 100000 1000000

Each size N is a random graph with 10 N directed edges (made undirected: ~20 N stored entries
after symmetrizing), features [N, F]. Both layers are `cached=True` (the transductive setting the
papers use), warmed up, then timed over `--reps` steps; medians are printed with their ratio, and
the load average. On CUDA every step ends with `torch.cuda.synchronize()`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch


def _graph(n: int, degree: int, device: torch.device) -> torch.Tensor:
    g = torch.Generator().manual_seed(n)
    src = torch.randint(0, n, (degree * n,), generator=g)
    dst = torch.randint(0, n, (degree * n,), generator=g)
    keep = src != dst
    edge_index = torch.stack([src[keep], dst[keep]])
    edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)  # undirected
    return edge_index.to(device)


def _time(step, device: torch.device, reps: int) -> float:  # noqa: ANN001
    for _ in range(3):  # warm-up: caches, kernels, allocator
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(n: int, features: int, device: torch.device, reps: int) -> dict:
    from torch_geometric.nn import GCNConv as PyGConv

    from gcnlab import GCNConv

    edge_index = _graph(n, 10, device)
    x = torch.randn(n, features, device=device)
    out = {"nodes": n, "edges": int(edge_index.size(1)), "features": features}
    for name, conv in (("gcnlab", GCNConv(features, features, cached=True)),
                       ("pyg", PyGConv(features, features, cached=True))):
        conv = conv.to(device)

        def step(conv=conv) -> None:  # noqa: ANN001
            conv.zero_grad(set_to_none=True)
            conv(x, edge_index).sum().backward()

        try:
            out[f"{name}_ms"] = 1000 * _time(step, device, reps)
        except torch.OutOfMemoryError:
            out[f"{name}_ms"] = None  # out of memory: marked, not measured
            if device.type == "cuda":
                torch.cuda.empty_cache()
    if out["gcnlab_ms"] and out["pyg_ms"]:
        out["speedup"] = out["pyg_ms"] / out["gcnlab_ms"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--features", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"device {name}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()}")
    rows = []
    for n in args.sizes:
        for f in args.features:
            row = measure(n, f, device, args.reps)
            rows.append(row)
            fmt = lambda v: "OOM" if v is None else f"{v:.2f} ms"  # noqa: E731
            print(f"N={n:>9,} E={row['edges']:>11,} F={f:>3}: gcnlab {fmt(row['gcnlab_ms'])}, "
                  f"PyG {fmt(row['pyg_ms'])}, PyG/gcnlab {row.get('speedup', float('nan')):.2f}x")
    print(f"load average after: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": name, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
