"""Splits: exact counts, disjointness, determinism, PyG's random split, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from gcnlab import DataError, UsageError
from gcnlab.data.splits import SplitSpec, make_split

MASKS = ("train_mask", "val_mask", "test_mask")


def graph(y: list[int], **masks: list[bool]) -> Data:
    n = len(y)
    data = Data(x=torch.ones(n, 1), edge_index=torch.tensor([[0], [1]]), y=torch.tensor(y))
    for key, values in masks.items():
        data[key] = torch.tensor(values)
    return data


def disjoint(split: dict[str, torch.Tensor]) -> bool:
    return int(torch.stack([split[k] for k in MASKS]).sum(0).max()) <= 1


@pytest.mark.parametrize(
    "text,spec",
    [
        ("auto", SplitSpec()),
        ("file", SplitSpec("file")),
        ("Planetoid", SplitSpec("public")),
        ("random", SplitSpec("random")),
        ("random:5,30,40", SplitSpec("random", 5, 30, 40)),
        ("random@7", SplitSpec("random", seed=7)),
        ("0.6,0.2,0.2", SplitSpec("ratio", ratios=(0.6, 0.2, 0.2))),
        (".5,.25,.25@3", SplitSpec("ratio", ratios=(0.5, 0.25, 0.25), seed=3)),
        ("folds", SplitSpec("folds")),
        ("folds:10@2", SplitSpec("folds", seed=2, folds=10)),
    ],
)
def test_parse_and_round_trip(text: str, spec: SplitSpec) -> None:
    assert SplitSpec.parse(text) == spec
    assert SplitSpec.parse(str(spec)) == spec
    assert SplitSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    "text,message",
    [
        ("half", "unknown split 'half'"),
        ("0.6,0.2", "expected 3 comma-separated numbers"),
        ("0.6,0.3,0.3", "must sum to at most 1"),
        ("0.6,0,0.2", "three numbers > 0"),
        ("random:0,1,1", "at least 1 training node per class"),
        ("file@3", "applies to random, ratio and folds splits"),
        ("folds:1", "at least 2 folds, got 1"),
        ("folds:2,3", "expected 1 comma-separated numbers"),
        ("random@x", "the seed after @ must be an integer"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        SplitSpec.parse(text)


def test_random_split_counts_per_class_and_leaves_out_unlabeled() -> None:
    # 3 classes of 6 labeled nodes, 4 unlabeled nodes
    y = [0] * 6 + [1] * 6 + [2] * 6 + [-1] * 4
    split = make_split(graph(y), SplitSpec("random", 2, 4, 5), seed=0)
    assert torch.bincount(torch.tensor(y)[split["train_mask"]]).tolist() == [2, 2, 2]
    assert [int(split[k].sum()) for k in MASKS] == [6, 4, 5]
    assert disjoint(split)
    assert not torch.stack([split[k] for k in MASKS]).any(0)[-4:].any()  # unlabeled never


def test_random_split_is_seeded_and_leaves_global_state_alone() -> None:
    data = graph([0] * 30 + [1] * 30)
    spec = SplitSpec("random", 3, 10, 10)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = make_split(data, spec, seed=4)
    after = torch.rand(1)
    assert torch.equal(before, after)  # the global generator did not move
    b = make_split(data, spec, seed=4)
    c = make_split(data, spec, seed=5)
    assert all(torch.equal(a[k], b[k]) for k in MASKS)
    assert not all(torch.equal(a[k], c[k]) for k in MASKS)
    fixed = SplitSpec("random", 3, 10, 10, seed=4)  # random@4: the same for every run
    assert all(torch.equal(make_split(data, fixed, seed=99)[k], a[k]) for k in MASKS)


def test_random_split_equals_pyg_planetoid_random(planetoid_root: Path, tmp_path: Path) -> None:
    """Step for step PyG's Planetoid(split="random") on Cora (every node labeled)."""
    import shutil

    from torch_geometric.datasets import Planetoid

    from gcnlab import load_dataset

    shutil.copytree(planetoid_root / "Cora", tmp_path / "Cora")
    for seed in (0, 1):
        torch.manual_seed(seed)
        theirs = Planetoid(str(tmp_path), "Cora", split="random")[0]
        ours = make_split(
            load_dataset("cora", planetoid_root, download=False), SplitSpec("random"), seed=seed
        )
        for key in MASKS:
            assert torch.equal(ours[key], theirs[key]), (seed, key)
        assert torch.bincount(theirs.y[ours["train_mask"]]).tolist() == [20] * 7
        assert [int(ours[k].sum()) for k in MASKS] == [140, 500, 1000]


def test_ratio_split_sizes_and_cover() -> None:
    y = [0, 1] * 5 + [-1]
    split = make_split(graph(y), SplitSpec.parse("0.6,0.2,0.2"), seed=0)
    assert [int(split[k].sum()) for k in MASKS] == [6, 2, 2]
    assert disjoint(split) and bool(torch.stack([split[k] for k in MASKS]).any(0)[:10].all())
    partial = make_split(graph(y), SplitSpec.parse("0.5,0.2,0.2"), seed=0)
    assert [int(partial[k].sum()) for k in MASKS] == [5, 2, 2]  # floor each; one left out
    with pytest.raises(DataError, match="leave a split empty"):
        make_split(graph([0, 1, 0]), SplitSpec.parse("0.6,0.2,0.2"), seed=0)


def test_file_public_auto() -> None:
    masks = {
        "train_mask": [True, False, False],
        "val_mask": [False, True, False],
        "test_mask": [False, False, True],
    }
    with_masks = graph([0, 1, 0], **masks)
    for kind in ("auto", "file"):
        split = make_split(with_masks, SplitSpec(kind))
        assert {k: v.tolist() for k, v in split.items()} == masks
    with pytest.raises(UsageError, match="the public split is Planetoid's"):
        make_split(with_masks, SplitSpec("public"))
    with_masks.public_split = True  # as load_dataset marks cora, citeseer and pubmed
    assert make_split(with_masks, SplitSpec("public"))["val_mask"].tolist() == masks["val_mask"]
    with pytest.raises(UsageError, match="no split of its own; use --split random"):
        make_split(graph([0, 1, 0]), SplitSpec("file"))
    # auto without masks: the random split (and its errors)
    with pytest.raises(DataError, match="class 0 has 2 labeled nodes; the random split takes 20"):
        make_split(graph([0, 1, 0]), SplitSpec("auto"))


def test_random_split_needs_enough_nodes() -> None:
    with pytest.raises(DataError, match="4 labeled nodes remain after training, fewer than"):
        make_split(graph([0] * 3 + [1] * 3), SplitSpec("random", 1, 2, 3))
    with pytest.raises(DataError, match="no labels to split"):
        make_split(Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0], [1]])), SplitSpec())


@pytest.mark.filterwarnings("ignore:The least populated class")  # scikit-learn's, on class 2
def test_folds_are_disjoint_cover_the_labeled_nodes_and_are_stratified() -> None:
    from sklearn.model_selection import StratifiedKFold

    # classes of 13, 7 and 2 labeled nodes (one class smaller than K), 3 unlabeled nodes
    y = [0] * 13 + [1] * 7 + [2] * 2 + [-1] * 3
    data, labels = graph(y), torch.tensor(y)
    spec = SplitSpec("folds", folds=5)
    splits = [make_split(data, spec, seed=3, fold=k) for k in range(5)]
    tests = torch.stack([s["test_mask"] for s in splits])  # [K, N]
    assert tests.sum(0)[:22].tolist() == [1] * 22  # every labeled node in exactly one test fold
    assert not tests[:, 22:].any()  # unlabeled nodes in none
    assert sorted(tests.sum(1).tolist()) == [4, 4, 4, 5, 5]  # sizes differ by at most 1
    for split in splits:
        # train: the other folds; no validation set
        assert torch.equal(split["train_mask"], (labels >= 0) & ~split["test_mask"])
        assert not split["val_mask"].any()
    # stratified: per class, the fold counts are scikit-learn's StratifiedKFold's (n_c // K or
    # n_c // K + 1 in every fold)
    ours = torch.stack([torch.bincount(labels[t], minlength=3) for t in tests])  # [K, C]
    x = torch.zeros(22, 1).numpy()
    theirs = torch.stack(
        [
            torch.bincount(labels[:22][torch.from_numpy(test)], minlength=3)
            for _, test in StratifiedKFold(5).split(x, labels[:22].numpy())
        ]
    )
    for c in range(3):
        assert sorted(ours[:, c].tolist()) == sorted(theirs[:, c].tolist())
    assert sorted(ours[:, 0].tolist()) == [2, 2, 3, 3, 3]
    # the fold index wraps around; the assignment is the seed's
    again = make_split(data, spec, seed=3, fold=7)
    assert torch.equal(again["test_mask"], splits[2]["test_mask"])
    other = make_split(data, spec, seed=4, fold=0)
    assert not torch.equal(other["test_mask"], splits[0]["test_mask"])
    fixed = SplitSpec("folds", seed=3)  # folds@3: the seed of the spec wins
    assert torch.equal(make_split(data, fixed, seed=99)["test_mask"], splits[0]["test_mask"])
    with pytest.raises(DataError, match="3 labeled nodes cannot fill 5 folds"):
        make_split(graph([0, 1, 0, -1]), spec)


def test_a_split_seed_beyond_64_bits_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match=r"split seed 18446744073709551616 .*-2\*\*63 and 2\*\*63"):
        SplitSpec.parse("random@18446744073709551616")
    data = Data(y=torch.tensor([0, 1] * 10), num_nodes=20)
    with pytest.raises(UsageError, match=r"split seed 18446744073709551616 .*2\*\*63 - 1"):
        make_split(data, SplitSpec.parse("0.5,0.25,0.25"), seed=2**64)
    assert make_split(data, SplitSpec.parse(f"0.5,0.25,0.25@{2**63 - 1}"))["train_mask"].sum() == 10
