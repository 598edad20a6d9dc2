"""load_dataset: counts, the public split, normalization, PyG equality, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gcnlab import DataError, UsageError, load_dataset, resolve_root
from gcnlab.data import dataset_status

# nodes, directed edges, features, classes, train, val, test (the Planetoid paper's Table 1 / PyG)
EXPECTED = {
    "cora": (2708, 10556, 1433, 7, 140, 500, 1000),
    "citeseer": (3327, 9104, 3703, 6, 120, 500, 1000),
}


@pytest.mark.parametrize("name", ["cora", "citeseer"])
def test_counts_and_public_split(planetoid_root: Path, name: str) -> None:
    data = load_dataset(name, planetoid_root, download=False)
    nodes, edges, features, classes, train, val, test = EXPECTED[name]
    assert data.x.shape == (nodes, features) and data.edge_index.shape == (2, edges)
    assert data.num_classes == classes and data.name == name
    assert [int(data[f"{k}_mask"].sum()) for k in ("train", "val", "test")] == [train, val, test]
    assert (
        not (data.train_mask & data.val_mask).any() and not (data.val_mask & data.test_mask).any()
    )
    # 20 labelled nodes per class
    assert torch.bincount(data.y[data.train_mask]).tolist() == [20] * classes
    # undirected: every edge appears in both directions, no self-loops
    pairs = set(map(tuple, data.edge_index.t().tolist()))
    assert all((b, a) in pairs for a, b in pairs) and all(a != b for a, b in pairs)


@pytest.mark.parametrize("name", ["cora", "citeseer"])
def test_rows_are_normalized(planetoid_root: Path, name: str) -> None:
    x = load_dataset(name, planetoid_root, download=False).x
    sums = x.sum(dim=1)
    nonzero = sums > 0
    torch.testing.assert_close(sums[nonzero], torch.ones(int(nonzero.sum())))
    assert (x >= 0).all()
    assert float((x == 0).float().mean()) > 0.98  # bag-of-words: almost all zeros


def test_citeseer_featureless_test_range_ids(planetoid_root: Path) -> None:
    data = load_dataset("citeseer", planetoid_root, download=False)
    empty = (data.x.sum(dim=1) == 0).nonzero().view(-1)
    assert len(empty) == 15  # the ids in the test range that have no features or label
    masked = data.train_mask | data.val_mask | data.test_mask
    assert not masked[empty].any()  # ... belong to no mask
    test_ids = data.test_mask.nonzero().view(-1)
    assert (empty > test_ids.min()).all() and (empty < test_ids.max()).all()


@pytest.mark.parametrize("name,pyg_name", [("cora", "Cora"), ("citeseer", "CiteSeer")])
def test_equals_pyg_planetoid(
    planetoid_root: Path, tmp_path: Path, name: str, pyg_name: str
) -> None:
    """Our verified, allow-listed reader builds exactly what PyG's Planetoid builds."""
    import shutil

    import torch_geometric.transforms as T
    from torch_geometric.datasets import Planetoid

    shutil.copytree(planetoid_root / pyg_name, tmp_path / pyg_name)
    theirs = Planetoid(str(tmp_path), pyg_name, transform=T.NormalizeFeatures())[0]
    ours = load_dataset(name, planetoid_root, download=False)
    assert torch.equal(ours.edge_index, theirs.edge_index)
    assert torch.equal(ours.y, theirs.y)
    torch.testing.assert_close(ours.x, theirs.x)
    for key in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(ours[key], theirs[key])


def test_karate_ships_with_networkx() -> None:
    data = load_dataset("karate")
    assert data.x.shape == (34, 34) and data.edge_index.shape == (2, 156)
    assert torch.bincount(data.y).tolist() == [17, 17]  # Mr. Hi's and the Officer's factions
    assert data.train_mask.nonzero().view(-1).tolist() == [0, 33]  # the two leaders
    assert data.y[0] == 0 and data.y[33] == 1
    assert int(data.val_mask.sum()) == 10 and int(data.test_mask.sum()) == 22
    assert not (data.train_mask & data.val_mask | data.val_mask & data.test_mask).any()


def test_missing_files_name_the_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_dataset("cora", tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path / "Cora" / "raw") in message
    assert "ind.cora.x" in message and "ind.cora.test.index" in message
    assert "download" in message


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="cora, citeseer, pubmed, karate"):
        load_dataset("imagenet")


def test_root_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GCNLAB_DATA", raising=False)
    assert resolve_root() == Path("datasets")
    monkeypatch.setenv("GCNLAB_DATA", str(tmp_path / "env"))
    assert resolve_root() == tmp_path / "env"
    assert resolve_root(tmp_path / "arg") == tmp_path / "arg"  # --root wins


def test_status(planetoid_root: Path, tmp_path: Path) -> None:
    assert dataset_status("cora", planetoid_root) == "ready"
    assert dataset_status("karate", tmp_path) == "built in"
    assert dataset_status("pubmed", planetoid_root) == "missing 8 of 8 files"
