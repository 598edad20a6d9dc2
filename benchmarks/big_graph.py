"""A synthetic graph of 1M nodes and 10M edges, written as a GNN-benchmark ``.npz``, loaded and
trained for one epoch through the public command line; load time and peak memory against PyG's
reader (``torch_geometric.io.read_npz``, what ``Amazon`` and ``Coauthor`` use) on the same file.

Each measurement runs in a fresh process; peak memory is that process's maximum resident set
(``getrusage``). One torch thread (``OMP_NUM_THREADS=1``, ``--threads 1``).

    python benchmarks/big_graph.py --nodes 1000000 --edges 10000000 --features 16
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

LOAD_GCNLAB = """
import sys, time
from gcnlab import load_graph
start = time.perf_counter()
data = load_graph(sys.argv[1])
print(f"{time.perf_counter() - start:.2f} {data.num_nodes} {data.edge_index.size(1)}")
"""
LOAD_PYG = """
import sys, time
from torch_geometric.io import read_npz
start = time.perf_counter()
data = read_npz(sys.argv[1], to_undirected=True)
print(f"{time.perf_counter() - start:.2f} {data.num_nodes} {data.edge_index.size(1)}")
"""


def child(args: list[str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak resident MB) of one fresh process."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        pid = subprocess.Popen(
            [sys.executable, *args], stdout=out, stderr=subprocess.STDOUT, env=env
        ).pid
        _, status, usage = os.wait4(pid, 0)
        out.seek(0)
        text = out.read()
    if status != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{text}")
    return text.strip(), time.perf_counter() - start, usage.ru_maxrss / 1024


def write_graph(path: Path, nodes: int, edges: int, features: int, seed: int = 0) -> None:
    """Uniform random endpoints, uniform features in (0, 1), 5 classes, no masks."""
    import numpy as np
    import scipy.sparse

    from gcnlab.utils.files import atomic_write_bytes

    rng = np.random.default_rng(seed)
    row = rng.integers(0, nodes, size=edges, dtype=np.int64)
    col = rng.integers(0, nodes, size=edges, dtype=np.int64)
    adj = scipy.sparse.csr_matrix(
        (np.ones(edges, dtype=np.float32), (row, col)), shape=(nodes, nodes)
    )
    del row, col
    import io

    # features as CSR (attr_*): PyG's read_npz reads no dense attr_matrix
    attr = scipy.sparse.csr_matrix(rng.random((nodes, features), dtype=np.float32))
    buffer = io.BytesIO()
    np.savez(
        buffer,
        adj_data=adj.data,
        adj_indices=adj.indices,
        adj_indptr=adj.indptr,
        adj_shape=np.array(adj.shape),
        attr_data=attr.data,
        attr_indices=attr.indices,
        attr_indptr=attr.indptr,
        attr_shape=np.array(attr.shape),
        labels=rng.integers(0, 5, size=nodes),
    )
    atomic_write_bytes(path, buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--folder", type=Path, default=None, help="keep the .npz here")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}; cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        path = folder / f"synthetic_{args.nodes}_{args.edges}.npz"
        if not path.is_file():
            start = time.perf_counter()
            write_graph(path, args.nodes, args.edges, args.features)
            print(
                f"wrote {path} ({path.stat().st_size / 2**20:.0f} MB) in "
                f"{time.perf_counter() - start:.1f} s"
            )
        rows = []
        for name, code in (("gcnlab load_graph", LOAD_GCNLAB), ("PyG read_npz", LOAD_PYG)):
            out, wall, peak = child(["-c", code, str(path)])
            seconds, n, e = out.splitlines()[-1].split()
            rows.append((name, float(seconds), wall, peak, f"{n} nodes, {e} directed edges"))
        result = folder / "train.json"
        out, wall, peak = child(
            [
                "-m",
                "gcnlab",
                "train",
                str(path),
                "--epochs",
                "1",
                "--runs",
                "1",
                "--split",
                "0.1,0.1,0.1",
                "--threads",
                "1",
                "--json",
                str(result),
            ]
        )
        payload = json.loads(result.read_text())
        rows.append(
            (
                "gcnlab train (1 epoch)",
                payload["seconds"],
                wall,
                peak,
                out.splitlines()[0] if out else "",
            )
        )
    print(f"load average: {os.getloadavg()}")
    print("| step | seconds (inside) | wall s (process) | peak RSS MB | note |")
    print("|---|---:|---:|---:|---|")
    for name, inside, wall, peak, note in rows:
        print(f"| {name} | {inside:.1f} | {wall:.1f} | {peak:.0f} | {note} |")
    print(f"limits: {resource.getrlimit(resource.RLIMIT_AS)}")


if __name__ == "__main__":
    main()
