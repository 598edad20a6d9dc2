"""Per-epoch time of gcnlab's graph auto-encoders against PyG's own GAE example, in one process.

The peer is the training loop of PyG's ``examples/autoencoder.py``, reproduced as it is written:
``NormalizeFeatures``, ``ToDevice`` and ``RandomLinkSplit(num_val=0.05, num_test=0.1,
is_undirected=True, split_labels=True, add_negative_train_samples=False)`` on the dataset; the
example's ``GCNEncoder`` / ``VariationalGCNEncoder`` (PyG ``GCNConv`` with its defaults) inside
``torch_geometric.nn.GAE`` / ``VGAE``; Adam at lr 0.01; each epoch one ``train()`` step
(``recon_loss`` with fresh negative sampling, plus ``kl_loss() / N`` for the VGAE) and one
``test(test_data)`` (``model.test``: scikit-learn AUC and AP on the test pairs).

Ours is :func:`gcnlab.train_link` itself, one run, timed between its ``on_epoch`` calls: a
training step and the scoring of the validation *and* test pairs, with the per-epoch host read.
It runs with the paper's dense loss (the default on Cora and CiteSeer) and with sampled negatives
(the peer's kind of loss). Each time is the median over epochs after a warm-up; the runs repeat
in ``--rounds`` alternating rounds and the fastest round counts, so a machine that others share
shifts the ratio less. The ratio is the peer's time over ours.

    python benchmarks/bench_gae.py --root /tmp/ds                   # Cora, CPU (+ CUDA if present)
    python benchmarks/bench_gae.py --dataset citeseer --epochs 100 --device cpu --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch_geometric
import torch_geometric.transforms as T
from torch_geometric.data import Data
from torch_geometric.nn import GAE, VGAE, GCNConv

import gcnlab
from gcnlab.tasks.link import LinkConfig, LinkEpochStats, train_link

WARMUP = 5


# The example's encoders, as written there.
class GCNEncoder(torch.nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = GCNConv(in_channels, 2 * out_channels)
        self.conv2 = GCNConv(2 * out_channels, out_channels)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x, edge_index).relu()
        return self.conv2(x, edge_index)


class VariationalGCNEncoder(torch.nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = GCNConv(in_channels, 2 * out_channels)
        self.conv_mu = GCNConv(2 * out_channels, out_channels)
        self.conv_logstd = GCNConv(2 * out_channels, out_channels)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.conv1(x, edge_index).relu()
        return self.conv_mu(x, edge_index), self.conv_logstd(x, edge_index)


@dataclass
class Timing:
    label: str
    train_ms: float | None  # per epoch, median; None where not measured apart
    eval_ms: float | None
    epoch_ms: float
    auc: float
    ap: float


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def run_pyg(dataset: str, root: str | None, variational: bool, epochs: int,
            device: torch.device) -> Timing:
    """PyG's example loop; the graph is gcnlab's loader's, which equals PyG's Planetoid."""
    data = gcnlab.load_dataset(dataset, root)
    transform = T.Compose([
        T.NormalizeFeatures(),
        T.ToDevice(device),
        T.RandomLinkSplit(num_val=0.05, num_test=0.1, is_undirected=True,
                          split_labels=True, add_negative_train_samples=False),
    ])
    torch.manual_seed(0)
    train_data, _, test_data = transform(Data(x=data.x, edge_index=data.edge_index))
    in_channels, out_channels = data.num_features, 16
    if variational:
        model = VGAE(VariationalGCNEncoder(in_channels, out_channels))
    else:
        model = GAE(GCNEncoder(in_channels, out_channels))
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def train() -> float:
        model.train()
        optimizer.zero_grad()
        z = model.encode(train_data.x, train_data.edge_index)
        loss = model.recon_loss(z, train_data.pos_edge_label_index)
        if variational:
            loss = loss + (1 / train_data.num_nodes) * model.kl_loss()
        loss.backward()
        optimizer.step()
        return float(loss)

    @torch.no_grad()
    def test(data: Data) -> tuple[float, float]:
        model.eval()
        z = model.encode(data.x, data.edge_index)
        return model.test(z, data.pos_edge_label_index, data.neg_edge_label_index)

    train_times, eval_times = [], []
    auc = ap = float("nan")
    for epoch in range(1, epochs + 1):
        _sync(device)
        start = time.perf_counter()
        train()
        _sync(device)
        middle = time.perf_counter()
        auc, ap = test(test_data)
        _sync(device)
        end = time.perf_counter()
        if epoch > WARMUP:
            train_times.append(middle - start)
            eval_times.append(end - middle)
    totals = [a + b for a, b in zip(train_times, eval_times, strict=True)]
    return Timing("PyG example", 1e3 * statistics.median(train_times),
                  1e3 * statistics.median(eval_times), 1e3 * statistics.median(totals), auc, ap)


def run_ours(dataset: str, root: str | None, model: str, loss: str, epochs: int,
             device: torch.device) -> Timing:
    stamps: list[float] = []

    def on_epoch(stats: LinkEpochStats) -> None:
        stamps.append(time.perf_counter())

    config = LinkConfig(dataset=dataset, model=model, loss=loss, epochs=epochs, runs=1,
                        device=str(device), root=root)
    result = train_link(config, on_epoch=on_epoch)
    per_epoch = [b - a for a, b in zip(stamps[WARMUP - 1:-1], stamps[WARMUP:], strict=True)]
    return Timing(f"gcnlab {loss}", None, None, 1e3 * statistics.median(per_epoch),
                  result.auc[0], result.ap[0])


def _row(t: Timing, reference: Timing | None) -> str:
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:8.2f}"

    ratio = "" if reference is None else f"{reference.epoch_ms / t.epoch_ms:6.1f}x"
    return (f"  {t.label:<16} {ms(t.train_ms):>9} {ms(t.eval_ms):>9} {t.epoch_ms:9.2f} "
            f"{ratio:>8}   AUC {100 * t.auc:5.1f}  AP {100 * t.ap:5.1f}")


def _fastest(timings: list[Timing]) -> Timing:
    return min(timings, key=lambda t: t.epoch_ms)


def bench(dataset: str, root: str | None, epochs: int, device: torch.device, rounds: int,
          printer: Callable[[str], None] = print) -> None:
    for model in ("gae", "vgae"):
        printer(f"\n{dataset} {model.upper()} on {device} ({epochs} epochs, median ms per epoch"
                f" after {WARMUP}, fastest of {rounds} rounds; ratio = PyG / ours)")
        printer(f"  {'':<16} {'train':>9} {'eval':>9} {'epoch':>9} {'ratio':>8}")
        peer: list[Timing] = []
        ours: dict[str, list[Timing]] = {"dense": [], "sampled": []}
        for _ in range(rounds):
            peer.append(run_pyg(dataset, root, model == "vgae", epochs, device))
            for loss, timings in ours.items():
                timings.append(run_ours(dataset, root, model, loss, epochs, device))
        printer(_row(_fastest(peer), None))
        for timings in ours.values():
            printer(_row(_fastest(timings), _fastest(peer)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora", help="cora, citeseer, pubmed or karate")
    parser.add_argument("--root", default=None, help="data root (default: $GCNLAB_DATA)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--device", default="all", choices=("all", "cpu", "cuda"),
                        help="all: the CPU, and CUDA when a GPU is present")
    parser.add_argument("--rounds", type=int, default=3, help="alternating repetitions")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    # the example's float(loss) on a tensor that requires grad: torch warns every epoch
    warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True")
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [args.device] if args.device != "all" else (
        ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    print(f"torch {torch.__version__}, torch_geometric {torch_geometric.__version__}, "
          f"gcnlab {gcnlab.__version__}, {torch.get_num_threads()} CPU threads")
    if "cuda" in devices:
        print(f"GPU: {torch.cuda.get_device_name()}")
    for name in devices:
        bench(args.dataset, args.root, args.epochs, gcnlab.resolve_device(name), args.rounds)


if __name__ == "__main__":
    main()
