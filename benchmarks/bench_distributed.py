"""Data-parallel throughput under torchrun: 1 process against 2, for node classification on
Cluster-GCN batches and for link prediction on edge mini-batches (``link``) or on Cluster-GCN
batches of the training graph (``link-clusters``).

The graph is generated here (no download): a stochastic block model from ``bench_scale.py``
(blocks of 1000 nodes, 90 % of the edges inside a block, about 10 edges per node, ids shuffled)
with 64 random features carrying a weak class signal and the block's class as the label
(10 classes; 20 % of the nodes train, 10 % validate, the rest test). It is written as a
GNN-benchmark ``.npz`` and every process reads it, as ``gcnlab train graph.npz`` would.

Each (task, processes) pair is one ``torchrun --standalone --nproc-per-node P`` job running this
script's worker, which is the command line's path without the command line: the config,
``gcnlab.cli.distributed.distributed_run`` (the process group, gloo) and ``train_node`` /
``train_link``; the worker times every epoch through the library's ``on_epoch`` hook and the
training part of it by wrapping the task's ``train_epoch`` (evaluation, which every process
does on the whole graph, is the rest). Every process has ``OMP_NUM_THREADS=1``. Reported, from
rank 0, over the epochs after the first (warm-up): median epoch seconds, median training seconds
per epoch, global steps per second of training (a node-classification or ``link-clusters`` step
of P processes takes P batches, so an epoch has 1/P of the steps; a ``link`` step is one global
batch of ``--batch-size`` edges whatever P is), and the speed-ups of 2 processes over 1. The
load average (``os.getloadavg()``, one minute) is taken before and after each job: on a shared
machine it says how many cores the job really had.

    python benchmarks/bench_distributed.py                 # 100k nodes, all tasks, ~10-15 min
    python benchmarks/bench_distributed.py --tasks link-clusters --procs 1 2
    python benchmarks/bench_distributed.py --quick         # 20k nodes, 3 epochs
    python benchmarks/bench_distributed.py --json out.json
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_scale import CLASSES, make_graph  # noqa: E402

FEATURES = 64
TASKS = ("node", "link", "link-clusters")


# -- the graph ------------------------------------------------------------------------------
def write_graph(path: Path, n: int, seed: int = 0) -> int:
    """An SBM of ``n`` nodes as a GNN-benchmark ``.npz``; returns its number of directed
    edges."""
    import scipy.sparse as sp

    graph = make_graph("sbm", n, seed)
    edge_index, y = graph["edge_index"], graph["y"]
    x = np.ascontiguousarray(graph["x"][:, :FEATURES])  # the class signal is in the first 10
    adj = sp.csr_matrix(
        (np.ones(edge_index.shape[1], dtype=np.float32), (edge_index[0], edge_index[1])),
        shape=(n, n),
    )
    rng = np.random.default_rng(seed + 1)
    role = rng.random(n)
    np.savez(
        path,
        adj_data=adj.data,
        adj_indices=adj.indices,
        adj_indptr=adj.indptr,
        adj_shape=np.array(adj.shape),
        attr_matrix=x,
        labels=y,
        train_mask=role < 0.2,
        val_mask=(role >= 0.2) & (role < 0.3),
        test_mask=role >= 0.3,
    )
    return int(edge_index.shape[1])


# -- the worker (one per torchrun process) ---------------------------------------------------
def worker(args: argparse.Namespace) -> None:
    import torch

    from gcnlab.cli.distributed import distributed_run

    torch.set_num_threads(1)
    train_seconds: list[float] = []
    steps: list[int] = []

    def timed(task_type: type) -> None:
        """Time ``train_epoch`` and count the steps (``batch_loss`` calls) in each."""
        train_epoch, batch_loss = task_type.train_epoch, task_type.batch_loss
        counter = [0]

        def counted(self, *a):  # noqa: ANN001, ANN002, ANN202
            counter[0] += 1
            return batch_loss(self, *a)

        def timed_epoch(self, model, optimizer):  # noqa: ANN001, ANN202
            counter[0] = 0
            start = time.perf_counter()
            loss = train_epoch(self, model, optimizer)
            float(loss)  # the epoch's work is done once its loss is read
            train_seconds.append(time.perf_counter() - start)
            steps.append(counter[0])
            return loss

        task_type.train_epoch, task_type.batch_loss = timed_epoch, counted

    common = dict(dataset=args.graph, epochs=args.epochs, runs=1, device="cpu")
    if args.worker == "node":
        from gcnlab.tasks.node import NodeConfig, train_node
        from gcnlab.tasks.node_cluster_gcn import ClusterNodeTask

        timed(ClusterNodeTask)
        config = NodeConfig(
            batch="clusters",
            parts=args.parts,
            clusters_per_batch=args.clusters_per_batch,
            patience=0,
            select="last",
            **common,
        )
        train = train_node
    elif args.worker == "link":
        from gcnlab.tasks.link import LinkConfig, train_link
        from gcnlab.tasks.link_edge_batches import EdgeBatchLinkTask

        timed(EdgeBatchLinkTask)
        config = LinkConfig(batch_size=args.batch_size, features="raw", **common)
        train = train_link
    else:
        from gcnlab.tasks.link import LinkConfig, train_link
        from gcnlab.tasks.link_cluster_gcn import ClusterLinkTask

        timed(ClusterLinkTask)
        config = LinkConfig(
            batch="clusters",
            parts=args.parts,
            clusters_per_batch=args.clusters_per_batch,
            features="raw",
            **common,
        )
        train = train_link

    stamps: list[float] = []
    with distributed_run(config, None) as main_process:
        start = time.perf_counter()
        result = train(config, on_epoch=lambda stats: stamps.append(time.perf_counter()))
        world = int(os.environ.get("WORLD_SIZE", "1"))
    if not main_process:
        return
    epoch_seconds = np.diff([start, *stamps]).tolist()
    metric = (
        {"test_acc": result.test_acc_mean} if args.worker == "node" else {"auc": result.auc_mean}
    )
    Path(args.out).write_text(
        json.dumps(
            {
                "processes": world,
                "epoch_s": epoch_seconds,
                "train_s": train_seconds,
                "steps": steps,
                "seconds": result.seconds,
                **metric,
            }
        )
    )


# -- the driver ------------------------------------------------------------------------------
def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run_job(task: str, processes: int, graph: Path, args: argparse.Namespace, tmp: str) -> dict:
    out = Path(tmp) / f"{task}_{processes}.json"
    out.unlink(missing_ok=True)  # a job that fails must not leave an earlier job's numbers
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        str(processes),
        str(Path(__file__).resolve()),
        "--worker",
        task,
        "--graph",
        str(graph),
        "--out",
        str(out),
        "--epochs",
        str(args.epochs),
        "--parts",
        str(args.parts),
        "--clusters-per-batch",
        str(args.clusters_per_batch),
        "--batch-size",
        str(args.batch_size),
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
    before = os.getloadavg()[0]
    start = time.perf_counter()
    job = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=args.timeout, check=False
    )
    wall = time.perf_counter() - start
    after = os.getloadavg()[0]
    row = {
        "task": task,
        "processes": processes,
        "job_s": wall,
        "load_before": before,
        "load_after": after,
    }
    if job.returncode != 0:
        lines = (job.stdout + job.stderr).strip().splitlines()
        row["error"] = [line for line in lines if line.startswith("error:")] or lines[-3:]
        return row
    measured = json.loads(out.read_text())
    epochs, train = measured["epoch_s"][1:], measured["train_s"][1:]  # the first warms up
    steps = measured["steps"][1:]
    row.update(
        measured,
        epoch_median_s=statistics.median(epochs),
        train_median_s=statistics.median(train),
        steps_per_epoch=steps[0],
        steps_per_s=statistics.median(s / t for s, t in zip(steps, train, strict=True)),
    )
    return row


def print_table(rows: list[dict], args: argparse.Namespace) -> None:
    """One line per (task, processes): medians over the rounds of each job's medians."""
    what = {
        "node": f"node, clusters ({args.parts} parts, {args.clusters_per_batch} a batch)",
        "link": f"link, --batch-size {args.batch_size}",
        "link-clusters": f"link, clusters ({args.parts} parts, {args.clusters_per_batch} a batch)",
    }
    keys = ("epoch_median_s", "train_median_s", "steps_per_s")
    summary: dict[tuple[str, int], dict] = {}
    for task in args.tasks:
        for processes in args.procs:
            jobs = [r for r in rows if (r["task"], r["processes"]) == (task, processes)]
            done = [r for r in jobs if "error" not in r]
            if not done:
                summary[task, processes] = {"error": [r.get("error") for r in jobs]}
                continue
            summary[task, processes] = {k: statistics.median(r[k] for r in done) for k in keys}
            loads = [r[k] for r in jobs for k in ("load_before", "load_after")]
            summary[task, processes].update(
                steps=done[0]["steps_per_epoch"],
                load=f"{min(loads):.1f}-{max(loads):.1f}",
            )
    print(
        "\n| task | processes | epoch s | training s / epoch | steps / epoch | steps/s | "
        "speed-up (epoch) | speed-up (training) | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (task, processes), r in summary.items():
        one = summary[task, args.procs[0]]
        if "error" in r or "error" in one:
            print(f"| {what[task]} | {processes} | failed: {r.get('error')} |||||||")
            continue
        print(
            f"| {what[task]} | {processes} | {r['epoch_median_s']:.2f} | "
            f"{r['train_median_s']:.2f} | {r['steps']} | {r['steps_per_s']:.2f} | "
            f"{one['epoch_median_s'] / r['epoch_median_s']:.2f}x | "
            f"{one['train_median_s'] / r['train_median_s']:.2f}x | {r['load']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=8, help="per job; the first is dropped")
    parser.add_argument("--rounds", type=int, default=2, help="jobs per (task, processes)")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--parts", type=int, default=64, help="node, link-clusters: METIS parts")
    parser.add_argument(
        "--clusters-per-batch", type=int, default=4, help="node, link-clusters: parts a batch"
    )
    parser.add_argument("--batch-size", type=int, default=65_536, help="link: edges a step")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per job")
    parser.add_argument(
        "--procs",
        type=int,
        nargs="+",
        default=[1, 2],
        help="process counts (the first is the baseline of the speed-ups; 1 by default)",
    )
    parser.add_argument("--quick", action="store_true", help="20k nodes, 3 epochs, 1 round")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--worker", choices=TASKS, help=argparse.SUPPRESS)
    parser.add_argument("--graph", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.quick:
        args.nodes, args.epochs, args.rounds = 20_000, 3, 1
        args.parts, args.batch_size = 16, 16_384

    import torch

    print(
        f"torch {torch.__version__}, gloo, OMP_NUM_THREADS=1 per process, {os.cpu_count()} "
        f"cores, SBM {args.nodes:,} nodes, {FEATURES} features, {CLASSES} classes, "
        f"{args.epochs} epochs a job (median of the last {args.epochs - 1}), "
        f"{args.rounds} round(s)"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        graph = Path(tmp) / f"sbm_{args.nodes}.npz"
        edges = write_graph(graph, args.nodes)
        print(f"graph: {args.nodes:,} nodes, {edges:,} directed edges; load {load()}")
        for round_ in range(args.rounds):  # the process counts alternate: the load drifts
            for task in args.tasks:
                for processes in args.procs:
                    row = run_job(task, processes, graph, args, tmp)
                    row.update(nodes=args.nodes, edges=edges, round=round_)
                    rows.append(row)
                    shown = {k: v for k, v in row.items() if not isinstance(v, list)}
                    print(json.dumps(shown), flush=True)
    print(f"load average after: {load()}")
    print_table(rows, args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
