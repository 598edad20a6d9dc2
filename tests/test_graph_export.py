"""Cora exported to npz, CSV and GraphML reads back as the same graph (gcnlab.data.export)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gcnlab import load_dataset
from gcnlab.data.graphs import load_graph


@pytest.mark.parametrize("fmt", ["npz", "csv", "graphml"])
def test_cora_round_trip(cora_files: dict, planetoid_root: Path, fmt: str) -> None:
    cora = load_dataset("cora", planetoid_root, download=False)
    data = load_graph(**cora_files[fmt])
    assert torch.equal(data.x, cora.x)  # float32 values exactly, columns in order
    assert torch.equal(data.y, cora.y) and data.num_classes == 7
    for key in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(data[key], cora[key])
    # the same edge set; gcnlab sorts by (source, target), PyG's Planetoid by target
    order = torch.argsort(cora.edge_index[0] * cora.num_nodes + cora.edge_index[1])
    assert torch.equal(data.edge_index, cora.edge_index[:, order])
    if fmt != "npz":
        assert data.node_ids[:3] == ["0", "1", "2"]
