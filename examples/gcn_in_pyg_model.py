"""gcnlab.GCNConv inside an ordinary PyG model, trained on Cora.

    python examples/gcn_in_pyg_model.py [--root DATA_ROOT]

The layer takes the same arguments as torch_geometric.nn.GCNConv; `cached=True` makes it build the
normalized adjacency once, as a CSR matrix, and turning the bag-of-words features into a
`gcnlab.SparseMatrix` keeps the first layer's product sparse. `gcnlab.dropout` takes both kinds of
features (`F.dropout` refuses a SparseMatrix): on the sparse input it drops only the non-zeros.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from gcnlab import GCNConv, SparseMatrix, dropout, load_dataset, seed_everything


class Net(torch.nn.Module):
    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels, cached=True)
        self.conv2 = GCNConv(hidden_channels, out_channels, cached=True)

    def forward(self, x, edge_index):  # noqa: ANN001, ANN201
        x = dropout(x, p=0.5, training=self.training)  # SparseMatrix: the non-zeros only
        x = self.conv1(x, edge_index).relu()  # [N, hidden]
        x = dropout(x, p=0.5, training=self.training)  # dense: as F.dropout
        return self.conv2(x, edge_index)  # [N, classes]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--root", default=None, help="data root (default: $GCNLAB_DATA or ./datasets)"
    )
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()

    seed_everything(0)
    data = load_dataset("cora", args.root)
    x = SparseMatrix.from_tensor(data.x)  # 98.7 % zeros: keep them out of the product
    model = Net(data.num_features, 16, data.num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)

    for _ in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        out = model(x, data.edge_index)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        optimizer.step()

    model.eval()
    pred = model(x, data.edge_index).argmax(dim=1)
    acc = (pred[data.test_mask] == data.y[data.test_mask]).float().mean()
    print(f"test accuracy after {args.epochs} epochs: {100 * float(acc):.1f} %")


if __name__ == "__main__":
    main()
