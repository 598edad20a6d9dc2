"""gcnlab against PyG on generated graphs of 100k and 1M nodes: set-up, epoch time, peak memory,
and how close the sparse-dense product comes to the machine's memory bandwidth.

Graphs (``--graphs``), each with about 10 edges per node (5 N random pairs, both directions,
no self-loops or repeats), node ids shuffled so that no structure is visible in the order:

- ``random``: uniform endpoints;
- ``sbm``: stochastic block model, blocks of 1000 nodes, 90 % of the edges inside a block;
- ``powerlaw``: the same blocks with power-law degrees (Chung-Lu weights, exponent 2.5).

For each graph and each side (gcnlab, PyG), each task runs in a fresh subprocess, so peaks do
not mix: the child loads the graph (``.npz``, no pickles), reads its resident set size, resets the
kernel's high-water mark (``/proc/self/clear_refs``), sets up, runs ``--epochs`` epochs and reads
``VmHWM``: "peak" is the high-water mark above the loaded graph. "set-up" is the time from the
loaded tensors to the end of the first epoch, minus the median epoch (PyG normalizes the graph
inside its first forward; gcnlab before it). On a busy machine that difference drowns in the
epochs' noise, so the PyG node child also times its normalization (``gcn_norm``) alone:
``pyg_norm_s``, the least PyG's set-up can be.

- node classification: the paper's two-layer GCN (16 hidden) on 128 dense features, 10 classes,
  one training step plus an evaluation of all nodes per epoch. gcnlab: ``NodeTask`` with its
  defaults; PyG: two ``GCNConv(cached=True)``.
- clusters (gcnlab only: PyG's ``ClusterData`` needs torch-sparse or pyg-lib, which do not
  install with this torch): the same model and data trained on Cluster-GCN mini-batches
  (``--parts`` METIS parts, ``--clusters-per-batch`` per step; ``NodeConfig(batch="clusters")``),
  evaluated on the whole graph layer by layer. METIS runs first in a child of its own
  (``partition``: its time and peak), which keeps the parts in a file, as
  ``--partition-file`` does; the ``clusters`` child reads it, so its set-up and peak are
  training's, the numbers to hold against full-batch ``node``'s.
- gae-clusters (gcnlab only): the GAE on Cluster-GCN batches of the training graph
  (``LinkConfig(batch="clusters")``); METIS on the run's training graph is part of its set-up
  (the split changes per run, so there is no partition file). Against ``gae``'s peak.
- GAE: the two-layer encoder (32, 16), sampled negatives (PyG's ``recon_loss``; gcnlab's
  ``loss="sampled"``), 85/5/10 edge split set up once, one step plus scoring of val/test pairs.

The kernel section (one subprocess per graph) compares, on the same rows ``H`` ``[N, 64]``:
a plain ``copy_`` (streaming bandwidth), a row gather ``H.index_select(0, col)`` of the rows the
product reads, and gcnlab's ``spmm(Â, H)`` forward, before and after each node reordering
(``gcnlab.data.reorder``). Bandwidths count the bytes each must move at least.

All with ``OMP_NUM_THREADS=1``; times are medians; the load average is printed before and after.
``--device cuda`` trains on the GPU (times synchronized; "peak" is then the CUDA allocator's
high-water mark above the loaded state, graph moves included, and ``host_peak_MB`` the host's).

    python benchmarks/bench_scale.py --quick                   # 100k random + sbm, 3 epochs
    python benchmarks/bench_scale.py --sizes 100000 1000000 --graphs random sbm powerlaw
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BLOCK = 1000  # nodes per block of the block-structured graphs
INSIDE = 0.9  # share of a node's edges that stay in its block
CLASSES = 10
FEATURES = 128
KERNEL_FEATURES = 64
EXTRA: dict[str, float] = {}  # a child's measurements beyond set-up and epochs
DEVICE = "cpu"  # the children's device (--device); peaks on CUDA are torch's allocator peaks


# -- graphs ---------------------------------------------------------------------------------
def _endpoints_in_blocks(
    rng: np.random.Generator, src: np.ndarray, weight: np.ndarray, n: int
) -> np.ndarray:
    """One endpoint per source: in the source's block with probability INSIDE, else anywhere;
    drawn in proportion to ``weight`` (blocks are contiguous before the shuffle)."""
    cum = np.cumsum(weight)
    cum_before = np.concatenate([[0.0], cum])
    block = src // BLOCK
    lo = cum_before[block * BLOCK]
    hi = cum_before[np.minimum((block + 1) * BLOCK, n)]
    inside = rng.random(src.size) < INSIDE
    u = np.where(inside, lo + rng.random(src.size) * (hi - lo), rng.random(src.size) * cum[-1])
    return np.minimum(np.searchsorted(cum, u, side="right"), n - 1)


def make_graph(kind: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``edge_index`` [2, ~10 n] (both directions), block labels ``y`` and features ``x``."""
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), 5)
    if kind == "random":
        dst = rng.integers(0, n, src.size)
        y = rng.integers(0, CLASSES, n)
    else:
        weight = np.ones(n) if kind == "sbm" else rng.pareto(1.5, n) + 1.0  # P(w) ~ w^-2.5
        if kind == "powerlaw":  # sources too in proportion to weight: power-law degrees
            src = np.minimum(
                np.searchsorted(np.cumsum(weight), rng.random(5 * n) * weight.sum(), side="right"),
                n - 1,
            )
        dst = _endpoints_in_blocks(rng, src, weight, n)
        y = (np.arange(n) // BLOCK) % CLASSES
    keep = src != dst
    a, b = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]
    key = np.unique(a * n + b)
    a, b = key // n, key % n
    # shuffle the ids: stored graphs rarely list neighbours next to each other
    perm = rng.permutation(n)  # old id -> new id
    a, b = perm[a], perm[b]
    y_new = np.empty_like(y)
    y_new[perm] = y
    edge_index = np.stack([np.concatenate([a, b]), np.concatenate([b, a])]).astype(np.int64)
    x = rng.standard_normal((n, FEATURES), dtype=np.float32)
    x[:, :CLASSES] += 2.0 * np.eye(CLASSES, dtype=np.float32)[y_new]  # a learnable signal
    return {"edge_index": edge_index, "y": y_new.astype(np.int64), "x": x}


# -- measuring inside a child ---------------------------------------------------------------
def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _load(path: str):  # noqa: ANN202
    import torch
    from torch_geometric.data import Data

    arrays = np.load(path, allow_pickle=False)
    n = arrays["y"].shape[0]
    data = Data(
        x=torch.from_numpy(arrays["x"]),
        edge_index=torch.from_numpy(arrays["edge_index"]),
        y=torch.from_numpy(arrays["y"]),
        num_nodes=n,
    )
    g = torch.Generator().manual_seed(0)
    split = torch.rand(n, generator=g)
    data.train_mask, data.val_mask, data.test_mask = (
        split < 0.6,
        (split >= 0.6) & (split < 0.8),
        split >= 0.8,
    )
    data.name, data.num_classes = "synthetic", CLASSES
    return data


def _sync() -> None:
    if DEVICE.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _epochs(step, epochs: int) -> list[float]:  # noqa: ANN001
    times = []
    for _ in range(epochs):
        _sync()
        start = time.perf_counter()
        step()
        _sync()
        times.append(time.perf_counter() - start)
    return times


def _task_epochs(task, start: float, epochs: int) -> tuple[float, list[float]]:  # noqa: ANN001
    """Build the model of a gcnlab task (set-up ends there, counted from ``start``), then time
    ``epochs`` epochs of one training step and one evaluation."""
    model = task.build_model()
    optimizer = task.optimizer(model)
    init = time.perf_counter() - start

    def step() -> None:
        model.train()
        task.train_epoch(model, optimizer)
        model.eval()
        task.evaluate(model).tolist()

    return init, _epochs(step, epochs)


def child_node(side: str, data, epochs: int) -> tuple[float, list[float]]:  # noqa: ANN001
    import torch
    import torch.nn.functional as F

    if side == "gcnlab":
        from gcnlab.tasks.node import NodeConfig, NodeTask

        start = time.perf_counter()
        task = NodeTask(NodeConfig(epochs=epochs, device=DEVICE), torch.device(DEVICE), data)
        return _task_epochs(task, start, epochs)

    from torch_geometric.nn import GCNConv

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = GCNConv(FEATURES, 16, cached=True)
            self.conv2 = GCNConv(16, CLASSES, cached=True)

        def forward(self, x, edge_index):  # noqa: ANN001, ANN202
            x = F.dropout(x, 0.5, self.training)
            x = F.dropout(self.conv1(x, edge_index).relu(), 0.5, self.training)
            return self.conv2(x, edge_index)

    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    # PyG normalizes inside its first forward (cached=True); time that step alone, for the
    # set-up it folds into the first epoch (the graph's normalization, nothing else)
    _sync()
    start = time.perf_counter()
    gcn_norm(data.edge_index.to(DEVICE), None, data.num_nodes, add_self_loops=True)
    _sync()
    EXTRA["pyg_norm_s"] = time.perf_counter() - start
    start = time.perf_counter()
    data = data.to(DEVICE)
    model = Net().to(DEVICE)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    init = time.perf_counter() - start
    train, val, test = data.train_mask, data.val_mask, data.test_mask

    def step() -> None:
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data.x, data.edge_index)[train], data.y[train])
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            pred = model(data.x, data.edge_index).argmax(1)
            [float((pred[m] == data.y[m]).float().mean()) for m in (train, val, test)]

    return init, _epochs(step, epochs)


def child_partition(data, parts: int, path: str) -> tuple[float, list[float]]:  # noqa: ANN001
    from gcnlab.data.partition import stored_metis_parts

    start = time.perf_counter()
    stored_metis_parts(data.edge_index, data.num_nodes, parts, path)
    return time.perf_counter() - start, [0.0]


def child_clusters(side: str, data, epochs: int, parts: int, per_batch: int, path: str):  # noqa: ANN001, ANN201
    import torch

    from gcnlab.tasks.node import NodeConfig
    from gcnlab.tasks.node_cluster_gcn import ClusterNodeTask

    if side != "gcnlab":
        raise SystemExit("clusters: gcnlab only")
    config = NodeConfig(
        epochs=epochs,
        device=DEVICE,
        batch="clusters",
        parts=parts,
        clusters_per_batch=per_batch,
        partition_file=path,
    )
    start = time.perf_counter()
    task = ClusterNodeTask(config, torch.device(DEVICE), data)
    task.seed_run(0)
    return _task_epochs(task, start, epochs)


def child_gae(side: str, data, epochs: int, clusters: tuple[int, int] | None = None):  # noqa: ANN001, ANN201
    import torch

    if side == "gcnlab":
        from gcnlab.tasks.link import LinkConfig, LinkTask

        batches = {}
        if clusters is not None:  # gae-clusters: METIS on the run's training graph is set-up
            batches = dict(batch="clusters", parts=clusters[0], clusters_per_batch=clusters[1])
        config = LinkConfig(loss="sampled", device=DEVICE, **batches)
        start = time.perf_counter()
        if clusters is None:
            task = LinkTask(config, torch.device(DEVICE), data)
        else:
            from gcnlab.tasks.link_cluster_gcn import ClusterLinkTask

            task = ClusterLinkTask(config, torch.device(DEVICE), data)
        task.start_run(0, 0)  # the run's edge split (and, on clusters, its METIS parts)
        task.seed_run(0)
        return _task_epochs(task, start, epochs)

    import torch_geometric.transforms as T
    from torch_geometric.nn import GAE, GCNConv

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = GCNConv(FEATURES, 32, cached=True)
            self.conv2 = GCNConv(32, 16, cached=True)

        def forward(self, x, edge_index):  # noqa: ANN001, ANN202
            return self.conv2(self.conv1(x, edge_index).relu(), edge_index)

    start = time.perf_counter()
    data = data.to(DEVICE)
    split = T.RandomLinkSplit(
        num_val=0.05,
        num_test=0.1,
        is_undirected=True,
        split_labels=True,
        add_negative_train_samples=False,
    )
    train_data, val_data, test_data = split(data)
    model = GAE(Encoder()).to(DEVICE)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    init = time.perf_counter() - start

    def step() -> None:
        model.train()
        optimizer.zero_grad()
        z = model.encode(train_data.x, train_data.edge_index)
        loss = model.recon_loss(z, train_data.pos_edge_label_index)
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            z = model.encode(train_data.x, train_data.edge_index)
            for d in (val_data, test_data):
                model.test(z, d.pos_edge_label_index, d.neg_edge_label_index)

    return init, _epochs(step, epochs)


def _median_time(fn, reps: int) -> float:  # noqa: ANN001
    fn()  # warm-up
    return statistics.median(_epochs(fn, reps))


def child_kernels(data, reps: int) -> dict:  # noqa: ANN001
    """copy_, row gather and spmm on the same rows, before and after each reordering."""
    import torch

    from gcnlab.data.reorder import ORDER_NAMES, node_order
    from gcnlab.nn.norm import normalized_adjacency
    from gcnlab.nn.sparse import spmm

    n, f = data.num_nodes, KERNEL_FEATURES
    h = torch.randn(n, f, device=DEVICE)
    big = torch.empty(max(64 << 20, n * f * 4) // 4, device=DEVICE)  # >= 256 MB: past caches
    dst = torch.empty_like(big)
    t_copy = _median_time(lambda: dst.copy_(big), reps)
    out = {"copy_GBps": 2 * big.numel() * 4 / t_copy / 1e9, "orders": {}}
    for method in ORDER_NAMES:
        if method == "metis":
            try:
                import pymetis  # noqa: F401
            except ImportError:
                continue
        start = time.perf_counter()
        order = node_order(data.edge_index, n, method)
        t_order = time.perf_counter() - start
        edges = data.edge_index if order is None else order.relabel(data.edge_index)
        adj = normalized_adjacency(edges, num_nodes=n).to(DEVICE)
        col = adj.mat.col_indices()
        nnz = col.numel()
        t_gather = _median_time(lambda col=col: h.index_select(0, col), reps)
        t_spmm = _median_time(lambda adj=adj: spmm(adj, h), reps)
        idx_bytes = col.element_size() + 4  # a column index and a float32 value per non-zero
        spmm_bytes = nnz * (f * 4 + idx_bytes) + n * f * 4
        gather_bytes = nnz * (2 * f * 4 + col.element_size())
        out["orders"][method] = {
            "order_s": t_order,
            "spmm_ms": 1e3 * t_spmm,
            "gather_ms": 1e3 * t_gather,
            "spmm_GBps": spmm_bytes / t_spmm / 1e9,
            "gather_GBps": gather_bytes / t_gather / 1e9,
            "spmm_over_gather": t_spmm / t_gather,
        }
    return out


def child_main(args: argparse.Namespace) -> None:
    import torch

    global DEVICE
    DEVICE = args.device
    torch.set_num_threads(1)
    data = _load(args.child_graph)
    baseline_kb = _status_kb("VmRSS")
    reset = _reset_peak()
    cuda = DEVICE.startswith("cuda")
    if cuda:
        torch.cuda.init()
        torch.cuda.reset_peak_memory_stats()
        base_cuda = torch.cuda.memory_allocated()
    if args.child_task == "kernels":
        result = child_kernels(data, args.reps)
    else:
        if args.child_task == "partition":
            init, times = child_partition(data, args.parts, args.child_graph + ".parts.npz")
        elif args.child_task == "gae-clusters":
            init, times = child_gae(
                args.child_side, data, args.epochs, (args.parts, args.clusters_per_batch)
            )
        elif args.child_task == "clusters":
            init, times = child_clusters(
                args.child_side,
                data,
                args.epochs,
                args.parts,
                args.clusters_per_batch,
                args.child_graph + ".parts.npz",
            )
        else:
            fn = child_node if args.child_task == "node" else child_gae
            init, times = fn(args.child_side, data, args.epochs)
        epoch = statistics.median(times[1:]) if len(times) > 1 else times[0]
        # on a busy machine the median can exceed the first epoch: then set-up is the
        # construction alone, and first_s says how long the first epoch took
        result = {
            "setup_s": init + max(times[0] - epoch, 0.0),
            "epoch_s": epoch,
            "first_s": times[0],
        }
        if args.child_task == "partition":  # METIS alone: its time is the set-up
            result = {"setup_s": init}
        result.update(EXTRA)
    hwm_kb = _status_kb("VmHWM")
    result["peak_MB"] = (hwm_kb - baseline_kb) / 1024 if reset else float("nan")
    result["baseline_MB"] = baseline_kb / 1024
    if cuda:  # the device's peak, graph included (it is loaded on the host)
        result["peak_MB"] = (torch.cuda.max_memory_allocated() - base_cuda) / 2**20
        result["host_peak_MB"] = (hwm_kb - baseline_kb) / 1024 if reset else float("nan")
    print("RESULT " + json.dumps(result))


# -- the parent -------------------------------------------------------------------------------
def run_child(graph: str, task: str, side: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [
        sys.executable,
        __file__,
        "--child-graph",
        graph,
        "--child-task",
        task,
        "--child-side",
        side,
        "--epochs",
        str(args.epochs),
        "--reps",
        str(args.reps),
        "--parts",
        str(args.parts),
        "--clusters-per-batch",
        str(args.clusters_per_batch),
        "--device",
        args.device,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}


def _fmt(r: dict, key: str, scale: float = 1.0, digits: int = 2) -> str:
    return "-" if key not in r else f"{r[key] * scale:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--graphs", nargs="+", default=["random", "sbm", "powerlaw"])
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=["node", "clusters", "gae", "gae-clusters", "kernels"],
        choices=["node", "clusters", "gae", "gae-clusters", "kernels"],
    )
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--device",
        default="cpu",
        help="cpu or cuda: where the children train (peaks on CUDA "
        "are the allocator's, host threads still 1)",
    )
    parser.add_argument("--parts", type=int, default=256, help="clusters: METIS parts")
    parser.add_argument(
        "--clusters-per-batch", type=int, default=4, help="clusters: parts per mini-batch"
    )
    parser.add_argument("--quick", action="store_true", help="100k, random + sbm, 3 epochs")
    parser.add_argument("--json", type=Path, help="write every measurement here")
    parser.add_argument("--child-graph", help=argparse.SUPPRESS)
    parser.add_argument("--child-task", help=argparse.SUPPRESS)
    parser.add_argument("--child-side", default="gcnlab", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_graph:
        return child_main(args)
    if args.quick:
        args.sizes, args.graphs, args.epochs, args.reps = [100_000], ["random", "sbm"], 3, 3

    import torch
    import torch_geometric

    print(
        f"torch {torch.__version__}, torch_geometric {torch_geometric.__version__}, "
        f"OMP_NUM_THREADS=1, {args.epochs} epochs (median), {os.cpu_count()} cores, "
        f"device {args.device}"
    )
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for kind in args.graphs:
                graph = make_graph(kind, n)
                path = os.path.join(tmp, f"{kind}_{n}.npz")
                np.savez(path, **graph)
                e = graph["edge_index"].shape[1]
                del graph
                for task in args.tasks:
                    only_ours = ("kernels", "clusters", "gae-clusters")
                    sides = ["gcnlab"] if task in only_ours else ["gcnlab", "pyg"]
                    if task == "clusters":  # METIS first, in its own child
                        r = run_child(path, "partition", "gcnlab", args)
                        r.update(graph=kind, nodes=n, edges=e, task="partition", side="gcnlab")
                        rows.append(r)
                        print(json.dumps(r), flush=True)
                    for side in sides:
                        r = run_child(path, task, side, args)
                        r.update(graph=kind, nodes=n, edges=e, task=task, side=side)
                        rows.append(r)
                        print(json.dumps(r), flush=True)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    print("\n| graph | nodes / edges | task | side | set-up s | epoch s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["task"] == "kernels":
            continue
        cells = r.get("error") or " | ".join(
            [_fmt(r, "setup_s"), _fmt(r, "epoch_s", 1, 3), _fmt(r, "peak_MB", 1, 0)]
        )
        print(
            f"| {r['graph']} | {r['nodes']:,} / {r['edges']:,} | {r['task']} | {r['side']} | "
            f"{cells} |"
        )
    print(
        "\n| graph | nodes | order | order s | spmm ms | gather ms | spmm/gather | "
        "spmm GB/s | gather GB/s | copy_ GB/s | spmm/copy_ |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["task"] != "kernels" or "error" in r:
            continue
        for method, k in r["orders"].items():
            print(
                f"| {r['graph']} | {r['nodes']:,} | {method} | {k['order_s']:.2f} | "
                f"{k['spmm_ms']:.1f} | {k['gather_ms']:.1f} | {k['spmm_over_gather']:.2f} | "
                f"{k['spmm_GBps']:.2f} | {k['gather_GBps']:.2f} | {r['copy_GBps']:.1f} | "
                f"{k['spmm_GBps'] / r['copy_GBps']:.2f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
