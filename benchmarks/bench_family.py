"""Per-epoch time of the GCN family's models with gcnlab's layers against PyG's, on Cora.

Three models, each built twice from the same code, once with ``gcnlab``'s layer and once with
``torch_geometric.nn``'s, with the same weights (PyG's ``state_dict`` loaded into gcnlab's):

* **SGC**: ``SGConv(K=2, cached=True)``, logistic regression on the precomputed
  :math:`\\hat{P}^2 X` (the precomputation is timed apart: one first call of a fresh layer).
* **APPNP**: a 2-layer MLP (64 hidden, dropout 0.5) then ``APPNP(K=10, alpha=0.1, cached=True)``.
* **GCNII**: PyG's ``examples/gcn2_cora.py`` model: ``Linear`` to 64 channels, 64
  ``GCN2Conv(64, alpha=0.1, theta=0.5, layer=l, cached=True)`` layers, ``Linear`` to the classes,
  dropout 0.6.

An epoch is one training step (forward, cross-entropy on the training nodes, backward, Adam). Each
side uses its library's way with the features: gcnlab's gets Cora's bag-of-words features as a
:class:`~gcnlab.SparseMatrix` and drops out with :func:`gcnlab.dropout`; PyG's gets them dense
and uses ``F.dropout``. The propagation alone (one layer's forward + backward on the hidden
features) is timed too, so the layer's own ratio is not mixed with the features'. One thread,
rounds alternate between the two sides, medians over all rounds; the load average is printed.

    GCNLAB_DATA=/work/shared/datasets python benchmarks/bench_family.py --epochs 50 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import torch
import torch.nn.functional as F
import torch_geometric.nn as pyg_nn

import gcnlab
from gcnlab.nn.sparse import SparseMatrix, as_features, spmm


def _linear(lin: torch.nn.Linear, x: torch.Tensor | SparseMatrix) -> torch.Tensor:
    if isinstance(x, SparseMatrix):  # bag-of-words features: the sparse product
        return spmm(x, lin.weight.t()) + lin.bias
    return lin(x)


class SGC(torch.nn.Module):
    def __init__(self, lib: ModuleType, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.conv = lib.SGConv(in_channels, num_classes, K=2, cached=True)

    def forward(self, x, edge_index):  # noqa: ANN001, ANN201
        return self.conv(x, edge_index)


class APPNPNet(torch.nn.Module):
    def __init__(self, lib: ModuleType, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.dropout = gcnlab.dropout if lib is gcnlab else F.dropout
        self.lin1 = torch.nn.Linear(in_channels, 64)
        self.lin2 = torch.nn.Linear(64, num_classes)
        self.prop = lib.APPNP(K=10, alpha=0.1, cached=True)

    def forward(self, x, edge_index):  # noqa: ANN001, ANN201
        x = self.dropout(x, p=0.5, training=self.training)
        x = _linear(self.lin1, x).relu()
        x = self.dropout(x, p=0.5, training=self.training)
        return self.prop(self.lin2(x), edge_index)


class GCNII(torch.nn.Module):
    def __init__(self, lib: ModuleType, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.dropout = gcnlab.dropout if lib is gcnlab else F.dropout
        self.lin1 = torch.nn.Linear(in_channels, 64)
        self.convs = torch.nn.ModuleList(
            lib.GCN2Conv(64, alpha=0.1, theta=0.5, layer=i + 1, cached=True) for i in range(64)
        )
        self.lin2 = torch.nn.Linear(64, num_classes)

    def forward(self, x, edge_index):  # noqa: ANN001, ANN201
        x = self.dropout(x, p=0.6, training=self.training)
        x = x_0 = _linear(self.lin1, x).relu()
        for conv in self.convs:
            x = self.dropout(x, p=0.6, training=self.training)
            x = conv(x, x_0, edge_index).relu()
        x = self.dropout(x, p=0.6, training=self.training)
        return self.lin2(x)


MODELS = {"SGC": SGC, "APPNP": APPNPNet, "GCNII": GCNII}


def epoch_times(model: torch.nn.Module, x, data, epochs: int) -> list[float]:  # noqa: ANN001
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        optimizer.zero_grad()
        out = model(x, data.edge_index)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def repeat(fn: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def layer_times(name: str, lib: ModuleType, data, repeats: int) -> list[float]:  # noqa: ANN001
    """One layer alone: SGC's precomputation (a fresh cached layer's first call, on the
    features each side uses), APPNP's forward + backward on [N, 7], one GCN2Conv's on [N, 64]."""
    x = data.features[lib is gcnlab]
    n, edge_index = data.num_nodes, data.edge_index
    if name == "SGC":
        return repeat(lambda: lib.SGConv(x.shape[1], 7, K=2, cached=True)(x, edge_index), repeats)
    h = torch.randn(n, 7 if name == "APPNP" else 64, requires_grad=True)
    layer = (
        lib.APPNP(K=10, alpha=0.1, cached=True)
        if name == "APPNP"
        else lib.GCN2Conv(64, alpha=0.1, theta=0.5, layer=1, cached=True)
    )
    args = (h, edge_index) if name == "APPNP" else (h, h, edge_index)
    layer(*args)  # fill the cache
    return repeat(lambda: layer(*args).sum().backward(), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.environ.get("GCNLAB_DATA") or "datasets")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians pooled")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    torch.set_num_threads(1)
    data = gcnlab.load_dataset("cora", args.root, download=False)
    # PyG's side: dense features, as Planetoid gives them; gcnlab's: sparse bag-of-words
    data.features = {False: data.x, True: as_features(data.x)}
    print(
        f"cora, cpu, {torch.get_num_threads()} thread, torch {torch.__version__}, "
        f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print(f"{'':8}{'':10}{'PyG ms':>10}{'gcnlab ms':>11}{'PyG/gcnlab':>12}{'max |diff|':>12}")
    results = {}
    for name in args.models:
        torch.manual_seed(0)
        theirs = MODELS[name](pyg_nn, data.num_features, 7).eval()
        ours = MODELS[name](gcnlab, data.num_features, 7).eval()
        ours.load_state_dict(theirs.state_dict())
        x_theirs, x_ours = data.features[False], data.features[True]
        with torch.no_grad():  # the same weights give the same outputs (eval mode)
            diff = float(
                (ours(x_ours, data.edge_index) - theirs(x_theirs, data.edge_index)).abs().max()
            )
        epochs, layers = {"pyg": [], "gcnlab": []}, {"pyg": [], "gcnlab": []}
        for _ in range(args.rounds):
            for side, model, x, lib in (
                ("pyg", theirs, x_theirs, pyg_nn),
                ("gcnlab", ours, x_ours, gcnlab),
            ):
                epochs[side] += epoch_times(model, x, data, args.epochs + 5)[5:]  # 5 warm-up
                layers[side] += layer_times(name, lib, data, 20)[2:]
        row = {}
        for label, times in (("epoch", epochs), ("layer", layers)):
            pyg_ms = 1e3 * statistics.median(times["pyg"])
            ours_ms = 1e3 * statistics.median(times["gcnlab"])
            row[label] = dict(pyg_ms=pyg_ms, gcnlab_ms=ours_ms, ratio=pyg_ms / ours_ms)
            what = "SGC P^2 X" if (name, label) == ("SGC", "layer") else label
            print(
                f"{name:8}{what:10}{pyg_ms:10.3f}{ours_ms:11.3f}{pyg_ms / ours_ms:11.2f}x"
                f"{diff if label == 'epoch' else float('nan'):12.2e}"
            )
        results[name] = dict(row, max_abs_diff=diff)
    load = os.getloadavg()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in load)}")
    if args.json:
        args.json.write_text(json.dumps(dict(results, load_average=load), indent=2))


if __name__ == "__main__":
    main()
