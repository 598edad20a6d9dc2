"""Training time per epoch on random graphs: the GCN paper's Section 6.3, gcnlab beside PyG.

The paper times one epoch (forward pass, cross-entropy, backward pass) of the two-layer GCN on
random graphs with :math:`N` nodes and :math:`2N` edges, up to millions of edges, and shows that
the time grows linearly with the number of edges (its figure: log-log, out-of-memory marked).
:func:`time_per_epoch` measures the same sweep here, on one device, for two models in the same
run, so that the numbers compare:

- ``gcnlab``: :class:`~gcnlab.GCN` with the normalized adjacency built once (CSR, with its
  transpose for the backward pass);
- ``pyg``: two ``torch_geometric.nn.GCNConv`` layers with ``cached=True``, the same widths and
  the same ReLU and dropout in between.

Setting (gcnlab's, stated because the paper's figure does not give every detail): the graph has
:math:`N` nodes and :math:`2N` undirected edges drawn uniformly at random (:math:`4N` directed
pairs, duplicates and self-loops removed, so slightly fewer), dense random input features of
width ``features``, 16 hidden units, ``classes`` random labels, the loss on every node, Adam.
One epoch is ``zero_grad``, forward, loss, backward, ``step``; after ``warmup`` epochs, the
median of ``epochs`` timed epochs is reported (CUDA is synchronized around each). A size that
runs out of memory is marked ``OOM`` and the larger sizes of that model are skipped.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from gcnlab.experiments.tables import collect_rows, header, write_result
from gcnlab.experiments.timing_config import (  # noqa: F401 (kept importable from here)
    MODELS,
    TimingConfig,
    default_sizes,
)
from gcnlab.io.results import versions
from gcnlab.nn.models import GCN
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.utils.runtime import resolve_device

log = logging.getLogger(__name__)


@dataclass
class TimingRow:
    """One model on one graph size."""

    model: str  # gcnlab | pyg
    nodes: int
    edges: int  # undirected edges after removing duplicates and self-loops
    status: str  # ok | oom | skipped
    seconds: float | None = None  # median time per epoch
    times: list[float] = field(default_factory=list)  # every timed epoch
    note: str = ""


@dataclass
class TimingResult:
    rows: list[TimingRow]
    config: dict
    device: str
    threads: int
    started: str
    versions: dict
    load_average: tuple[float, float, float] | None
    partial: bool = False


def random_graph(num_nodes: int, num_edges: int, *, seed: int = 0) -> Tensor:
    """``num_edges`` uniform random undirected edges on ``num_nodes`` nodes as ``[2, E']``, both
    directions, without duplicates and self-loops (so ``E'`` is a little under ``2 num_edges``)."""
    generator = torch.Generator().manual_seed(seed)
    pairs = torch.randint(0, num_nodes, (2, num_edges), generator=generator)
    pairs = pairs[:, pairs[0] != pairs[1]]
    both = torch.cat([pairs, pairs.flip(0)], dim=1)
    key = torch.unique(both[0] * num_nodes + both[1])
    return torch.stack([key // num_nodes, key % num_nodes])


class _PyGGCN(torch.nn.Module):
    """The peer: PyG's GCNConv twice, as :class:`~gcnlab.GCN` is built."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv1 = GCNConv(in_channels, hidden, cached=True, bias=False)
        self.conv2 = GCNConv(hidden, out_channels, cached=True, bias=False)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        h = F.dropout(x, 0.5, self.training)
        h = self.conv1(h, edge_index).relu()
        h = F.dropout(h, 0.5, self.training)
        return self.conv2(h, edge_index)


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, (MemoryError, torch.OutOfMemoryError)) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_model(
    model_name: str,
    edge_index: Tensor,
    num_nodes: int,
    config: TimingConfig,
    device: torch.device,
) -> list[float]:
    generator = torch.Generator().manual_seed(config.seed)
    x = torch.randn(num_nodes, config.features, generator=generator).to(device)
    y = torch.randint(0, config.classes, (num_nodes,), generator=generator).to(device)
    torch.manual_seed(config.seed)
    if model_name == "gcnlab":
        model: torch.nn.Module = GCN(config.features, config.hidden, config.classes).to(device)
        graph = normalized_adjacency(edge_index, num_nodes=num_nodes).to(device)
    else:
        model = _PyGGCN(config.features, config.hidden, config.classes).to(device)
        graph = edge_index.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    times = []
    for epoch in range(config.warmup + config.epochs):
        _sync(device)
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, graph), y)
        loss.backward()
        optimizer.step()
        _sync(device)
        if epoch >= config.warmup:
            times.append(time.perf_counter() - start)
    return times


def time_per_epoch(
    config: TimingConfig | None = None, *, on_row: Callable[[TimingRow], None] | None = None
) -> TimingResult:
    """Time one training epoch of each model on each graph size (see the module docstring)."""
    config = config or TimingConfig()
    config.validate()
    device = resolve_device(config.device)
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    out_of_memory: set[str] = set()

    def measured() -> Iterator[TimingRow]:
        for n in config.node_counts():
            edge_index = random_graph(n, 2 * n, seed=config.seed)
            edges = edge_index.size(1) // 2
            for model in config.models:
                if model in out_of_memory:
                    yield TimingRow(model, n, edges, "skipped", note="a smaller graph ran out")
                else:
                    yield _measure(model, edge_index, n, edges, config, device, out_of_memory)

    rows, partial = collect_rows(measured(), on_row)
    return TimingResult(
        rows=rows,
        config=dataclasses.asdict(config),
        device=str(device),
        threads=torch.get_num_threads(),
        started=started.isoformat(timespec="seconds"),
        versions=versions(),
        load_average=load,
        partial=partial,
    )


def _measure(
    model: str,
    edge_index: Tensor,
    n: int,
    edges: int,
    config: TimingConfig,
    device: torch.device,
    out_of_memory: set[str],
) -> TimingRow:
    try:
        times = _time_model(model, edge_index, n, config, device)
    except Exception as exc:  # noqa: BLE001 - only out-of-memory is expected; others re-raise
        if not _is_oom(exc):
            raise
        out_of_memory.add(model)
        if device.type == "cuda":
            torch.cuda.empty_cache()
        log.warning("%s on %d nodes: out of memory", model, n)
        return TimingRow(model, n, edges, "oom", note=f"out of memory: {type(exc).__name__}")
    log.info("%s on %d nodes: %.4f s per epoch", model, n, statistics.median(times))
    return TimingRow(model, n, edges, "ok", seconds=statistics.median(times), times=times)


# ---- tables ---------------------------------------------------------------------------------


def to_markdown(result: TimingResult) -> str:
    """One line per graph size: each model's median time per epoch, and gcnlab / PyG."""
    models = list(dict.fromkeys(r.model for r in result.rows))
    by = {(r.model, r.nodes): r for r in result.rows}
    sizes = list(dict.fromkeys((r.nodes, r.edges) for r in result.rows))
    columns = ["nodes", "edges", *(f"{m} (ms/epoch)" for m in models)]
    if set(MODELS) <= set(models):
        columns.append("gcnlab / pyg")
    lines = header(columns, numeric=columns)
    for n, e in sizes:
        cells = [f"{n:,}", f"{e:,}"]
        for m in models:
            row = by[(m, n)]
            cells.append(
                f"{1000 * row.seconds:.2f}" if row.seconds is not None else row.status.upper()
            )
        if "gcnlab / pyg" in columns:
            a, b = by[("gcnlab", n)].seconds, by[("pyg", n)].seconds
            cells.append(f"{a / b:.2f}" if a and b else "—")
        lines.append("| " + " | ".join(cells) + " |")
    c = result.config
    load = result.load_average
    lines += [
        "",
        f"- Median time of one training epoch (zero_grad, forward, cross-entropy on all nodes, "
        f"backward, Adam step) over {c['epochs']} epochs after {c['warmup']} warm-up epochs; "
        f"two-layer GCN, {c['features']} random input features, {c['hidden']} hidden units, "
        f"{c['classes']} classes; random graphs with N nodes and 2N undirected edges (duplicates "
        "and self-loops removed). OOM: out of memory (larger sizes of that model skipped).",
        f"- On {result.device}, {result.threads} CPU thread(s), load average "
        f"{'n/a' if load is None else ', '.join(f'{v:.2f}' for v in load)} at the start; "
        f"gcnlab {result.versions.get('gcnlab')}, torch {result.versions.get('torch')}, "
        f"torch_geometric {result.versions.get('torch_geometric')}; {result.started}"
        f"{' (interrupted: finished sizes only)' if result.partial else ''}.",
        "- Kipf & Welling 2017, Section 6.3: the paper's times (TensorFlow, 2016 hardware) are "
        "a reference for the shape, time linear in the number of edges, not for the values.",
    ]
    return "\n".join(lines) + "\n"


def write_tables(result: TimingResult, folder: str | os.PathLike[str]) -> list[Path]:
    """``timing.md`` and ``timing.json`` in ``folder`` (atomically)."""
    return write_result(result, folder, "timing", to_markdown(result))
