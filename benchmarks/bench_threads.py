"""Seconds per training epoch with 1 torch thread against torch's default, on Cora and on a
synthetic graph of 1M edges: how ``--threads``'s default was chosen (docs/data.md, README).

Each measurement runs in a fresh process (torch fixes its thread pool at first use), the two
settings alternate round by round so that both see the same background load, and the median
over rounds is reported with the load average before and after.

    python benchmarks/bench_threads.py --root datasets --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, statistics, sys, time, torch
threads, kind, arg, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if threads != "default":
    torch.set_num_threads(int(threads))
from gcnlab import NodeConfig, train_node
times = []
last = [time.perf_counter()]
def on_epoch(stats):
    now = time.perf_counter()
    times.append(now - last[0])
    last[0] = now
if kind == "cora":
    config = NodeConfig(dataset="cora", root=arg, runs=1, epochs=epochs, patience=0,
                        device="cpu")
else:
    config = NodeConfig(dataset=arg, runs=1, epochs=epochs, patience=0, device="cpu",
                        split="0.1,0.1,0.1", sparse_features=False)
last[0] = time.perf_counter()
train_node(config, on_epoch=on_epoch)
print(json.dumps({"threads": torch.get_num_threads(), "epoch_s": statistics.median(times[1:])
                  if len(times) > 1 else times[0]}))
"""


def synthetic(path: Path, nodes: int, edges: int, features: int, seed: int = 0) -> Path:
    """A random graph (uniform endpoints), random features and 5 classes, as an npz."""
    import numpy as np
    import torch
    from torch_geometric.data import Data

    from gcnlab.data.export import write_npz

    rng = np.random.default_rng(seed)
    edge_index = torch.from_numpy(rng.integers(0, nodes, size=(2, edges)))
    x = torch.from_numpy(rng.random((nodes, features), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 5, size=nodes))
    write_npz(Data(x=x, edge_index=edge_index, y=y, num_nodes=nodes), path)
    return path


def measure(threads: str, kind: str, arg: str, epochs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("OMP_NUM_THREADS", None)  # the setting under test is torch.set_num_threads
    out = subprocess.run(
        [sys.executable, "-c", CHILD, threads, kind, arg, str(epochs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="datasets", help="data root holding Cora/raw")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cora-epochs", type=int, default=100)
    parser.add_argument("--big-epochs", type=int, default=5)
    parser.add_argument("--big-nodes", type=int, default=100_000)
    parser.add_argument("--big-edges", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}; cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        big = synthetic(Path(tmp) / "big.npz", args.big_nodes, args.big_edges, 32)
        cases = {
            "cora": ("cora", args.root, args.cora_epochs),
            f"{args.big_edges // 1000}k edges": ("file", str(big), args.big_epochs),
        }
        results: dict[tuple[str, str], list[float]] = {}
        used: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, (kind, arg, epochs) in cases.items():
                for threads in ("1", "default"):
                    row = measure(threads, kind, arg, epochs)
                    results.setdefault((name, threads), []).append(row["epoch_s"])
                    used[threads] = row["threads"]
    print(f"load average after: {os.getloadavg()}")
    print(f"{'graph':<14} {'threads':>8} {'median ms/epoch':>16}  rounds")
    for (name, threads), times in results.items():
        label = f"{used[threads]}" + (" (default)" if threads == "default" else "")
        print(
            f"{name:<14} {label:>8} {1000 * statistics.median(times):>16.1f}  "
            + ", ".join(f"{1000 * t:.1f}" for t in times)
        )


if __name__ == "__main__":
    main()
