"""Per-epoch time of PyG's GCN example against gcnlab's training loop, in one process.

The peer is PyG's ``examples/gcn.py`` as written: Planetoid with ``NormalizeFeatures`` (dense
features), two cached ``GCNConv`` layers, ``F.dropout``, Adam with weight decay on the first layer,
and a full evaluation (train/val/test accuracy) after every training step. gcnlab's side is
``gcnlab.train_node`` itself (timed through its ``on_epoch`` hook), which also evaluates after every
step (validation loss and the three accuracies). Both run the same number of epochs with early
stopping off; an epoch is one training step plus one evaluation.

    python benchmarks/bench_gcn.py --root datasets --dataset cora --epochs 200 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F


def pyg_epoch_times(root: Path, name: str, epochs: int, device: torch.device) -> list[float]:
    """PyG's examples/gcn.py training loop (argparse and logging removed), timed per epoch."""
    import torch_geometric.transforms as T
    from torch_geometric.datasets import Planetoid
    from torch_geometric.nn import GCNConv

    dataset = Planetoid(str(root), name, transform=T.NormalizeFeatures())
    data = dataset[0].to(device)

    class GCN(torch.nn.Module):
        def __init__(self, in_channels: int, hidden_channels: int, out_channels: int) -> None:
            super().__init__()
            self.conv1 = GCNConv(in_channels, hidden_channels, cached=True, normalize=True)
            self.conv2 = GCNConv(hidden_channels, out_channels, cached=True, normalize=True)

        def forward(self, x, edge_index, edge_weight=None):  # noqa: ANN001, ANN201
            x = F.dropout(x, p=0.5, training=self.training)
            x = self.conv1(x, edge_index, edge_weight).relu()
            x = F.dropout(x, p=0.5, training=self.training)
            return self.conv2(x, edge_index, edge_weight)

    model = GCN(dataset.num_features, 16, dataset.num_classes).to(device)
    optimizer = torch.optim.Adam(
        [
            dict(params=model.conv1.parameters(), weight_decay=5e-4),
            dict(params=model.conv2.parameters(), weight_decay=0),
        ],
        lr=0.01,
    )

    def train() -> float:
        model.train()
        optimizer.zero_grad()
        out = model(data.x, data.edge_index, data.edge_attr)
        loss = F.cross_entropy(out[data.train_mask], data.y[data.train_mask])
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    @torch.no_grad()
    def test() -> list[float]:
        model.eval()
        pred = model(data.x, data.edge_index, data.edge_attr).argmax(dim=-1)
        accs = []
        for mask in [data.train_mask, data.val_mask, data.test_mask]:
            accs.append(int((pred[mask] == data.y[mask]).sum()) / int(mask.sum()))
        return accs

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        train()
        test()
        times.append(time.perf_counter() - start)
    return times


def gcnlab_epoch_times(root: Path, name: str, epochs: int, device: str) -> list[float]:
    from gcnlab import NodeConfig, train_node

    stamps: list[float] = []
    config = NodeConfig(
        dataset=name, root=str(root), epochs=epochs, runs=1, patience=0, device=device
    )
    start = time.perf_counter()
    train_node(config, on_epoch=lambda _: stamps.append(time.perf_counter()))
    # the first interval includes model set-up, as PyG's first epoch includes its lazy caching
    return [b - a for a, b in zip([start, *stamps[:-1]], stamps, strict=True)][1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("datasets"))
    parser.add_argument("--dataset", default="cora", choices=["cora", "citeseer", "pubmed"])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians pooled")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    pyg_name = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}[args.dataset]
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:  # PyG writes processed/ files: keep them out
        shutil.copytree(args.root / pyg_name / "raw", Path(tmp) / pyg_name / "raw")
        pyg, ours = [], []
        for _ in range(args.rounds):
            pyg += pyg_epoch_times(Path(tmp), pyg_name, args.epochs, device)[10:]  # 10 warm-up
            ours += gcnlab_epoch_times(args.root, args.dataset, args.epochs, args.device)[10:]

    pyg_ms, ours_ms = 1e3 * statistics.median(pyg), 1e3 * statistics.median(ours)
    print(
        f"{args.dataset}, {args.device}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}"
    )
    print(f"{'':22}{'median ms/epoch':>16}{'p90':>10}")
    for label, times in (("PyG examples/gcn.py", pyg), ("gcnlab train_node", ours)):
        p90 = 1e3 * statistics.quantiles(times, n=10)[-1]
        print(f"{label:22}{1e3 * statistics.median(times):16.3f}{p90:10.3f}")
    print(f"speed-up (PyG / gcnlab): {pyg_ms / ours_ms:.1f}x per epoch (train step + evaluation)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "dataset": args.dataset,
                    "device": args.device,
                    "pyg_ms": pyg_ms,
                    "gcnlab_ms": ours_ms,
                    "speedup": pyg_ms / ours_ms,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
