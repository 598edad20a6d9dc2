"""GridConv (message passing on the grid graph) against torch.nn.Conv2d, in one process.

For each configuration both layers get the same weights and input; one step is forward plus
backward (the input needs a gradient, as in a hidden layer). Steps alternate between the layers so
that machine load hits them alike. The table shows the median and the fastest step in milliseconds
with their ratios to Conv2d (on a busy machine the fastest is the least disturbed), and the peak
memory allocated during one step (from torch.profiler's allocation events; CUDA's own counters
with --device cuda).

    python benchmarks/bench_grid.py                 # batch 64, 28x28, 3x3: 1->32 and 32->64
    python benchmarks/bench_grid.py --reference     # also the per-offset propagate() path
    python benchmarks/bench_grid.py --threads 1     # steadier on a busy machine
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from torch.profiler import ProfilerActivity, profile

from gcnlab.nn.grid_conv import GridConv
from gcnlab.utils.runtime import resolve_device

CONFIGS = [(1, 32), (32, 64)]  # (in_channels, out_channels)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_mib(step: Callable[[], None], device: torch.device) -> float:
    """Peak bytes allocated above the starting point during one ``step``, in MiB."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        step()
        sync(device)
        return (torch.cuda.max_memory_allocated(device) - start) / 2**20
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    try:  # each allocation (+) and free (-) as it happened
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
        events.sort(key=lambda e: e.start_ns())
        sizes = [e.nbytes() for e in events]
    except AttributeError:  # an older/newer torch without these fields
        return float("nan")
    level = peak = 0
    for size in sizes:
        level += size
        peak = max(peak, level)
    return peak / 2**20


def run_config(c_in: int, c_out: int, args: argparse.Namespace, device: torch.device) -> dict:
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(c_in, c_out, args.kernel, padding=args.kernel // 2).to(device)
    layers = {"Conv2d": conv}
    for path in ("table", "message") if args.reference else ("table",):
        layer = GridConv(c_in, c_out, args.kernel, padding=args.kernel // 2, path=path).to(device)
        layer.load_state_dict(conv.state_dict())
        layers[f"GridConv[{path}]"] = layer
    x = torch.randn(args.batch, c_in, args.size, args.size, device=device, requires_grad=True)
    grad = torch.randn(args.batch, c_out, args.size, args.size, device=device)

    def step_of(layer: torch.nn.Module) -> Callable[[], None]:
        def step() -> None:
            x.grad = None
            layer.zero_grad(set_to_none=True)
            layer(x).backward(grad)

        return step

    steps = {name: step_of(layer) for name, layer in layers.items()}
    for step in steps.values():  # warm-up: caches, allocator, lazy initialization
        for _ in range(args.warmup):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            sync(device)
            start = time.perf_counter()
            step()
            sync(device)
            times[name].append(1e3 * (time.perf_counter() - start))
    ms = {name: statistics.median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}
    mem = {name: peak_mib(step, device) for name, step in steps.items()}
    return {"config": f"{c_in}->{c_out}", "ms": ms, "best": best, "mib": mem}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=28, help="image height and width")
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--reference", action="store_true", help="also time the propagate() path")
    args = parser.parse_args()
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {device}, {torch.get_num_threads()} threads; batch "
        f"{args.batch}, {args.size}x{args.size}, {args.kernel}x{args.kernel} kernel, padding "
        f"{args.kernel // 2}; forward+backward, median of {args.repeats}"
    )
    print(
        f"{'config':<8} {'layer':<18} {'median ms':>10} {'x Conv2d':>9} {'min ms':>8} "
        f"{'x Conv2d':>9} {'peak MiB':>9}"
    )
    for c_in, c_out in CONFIGS:
        row = run_config(c_in, c_out, args, device)
        base, base_best = row["ms"]["Conv2d"], row["best"]["Conv2d"]
        for name, ms in row["ms"].items():
            best = row["best"][name]
            print(
                f"{row['config']:<8} {name:<18} {ms:10.2f} {ms / base:9.2f} {best:8.2f} "
                f"{best / base_best:9.2f} {row['mib'][name]:9.1f}"
            )


if __name__ == "__main__":
    main()
