"""The link-prediction split: sizes, disjointness, no leakage, negatives, seeding."""

from __future__ import annotations

import random

import pytest
import torch
from torch_geometric.utils import to_undirected

from gcnlab.data.link_split import LinkSplit, edge_keys, sample_non_edges, split_edges
from gcnlab.errors import DataError, UsageError

SETS = ("train_pos", "val_pos", "val_neg", "test_pos", "test_neg")


def _pair_keys(pairs: torch.Tensor, num_nodes: int) -> set[int]:
    """Orientation-free keys: (a, b) and (b, a) give the same key."""
    low, high = pairs.min(dim=0).values, pairs.max(dim=0).values
    return set((low * num_nodes + high).tolist())


def _graph_keys(edge_index: torch.Tensor, num_nodes: int) -> set[int]:
    return _pair_keys(edge_index, num_nodes)


@pytest.fixture(scope="module")
def cora_graph(planetoid_root):
    from gcnlab import load_dataset

    data = load_dataset("cora", planetoid_root, download=False)
    return data.edge_index, data.num_nodes


@pytest.fixture(scope="module")
def cora_split(cora_graph) -> LinkSplit:
    edge_index, num_nodes = cora_graph
    return split_edges(edge_index, num_nodes, seed=0)


def test_sizes_are_the_papers(cora_split: LinkSplit, cora_graph) -> None:
    num_edges = cora_graph[0].size(1) // 2  # 5278 undirected edges
    num_val, num_test = num_edges // 20, num_edges // 10  # floor, as mask_test_edges
    assert (num_val, num_test) == (263, 527)
    assert cora_split.val_pos.size(1) == cora_split.val_neg.size(1) == num_val
    assert cora_split.test_pos.size(1) == cora_split.test_neg.size(1) == num_test
    assert cora_split.train_pos.size(1) == num_edges - num_val - num_test
    assert repr(cora_split) == (
        "LinkSplit(num_nodes=2708, train_pos=4488, val_pos=263, "
        "val_neg=263, test_pos=527, test_neg=527)"
    )


def test_pairs_are_canonical_and_unique(cora_split: LinkSplit) -> None:
    n = cora_split.num_nodes
    for name in SETS:
        pairs = getattr(cora_split, name)
        assert pairs.dtype == torch.long and pairs.size(0) == 2
        assert bool((pairs[0] < pairs[1]).all()), name  # also: no self-loops
        assert len(_pair_keys(pairs, n)) == pairs.size(1), name  # no repeats, either direction


def test_no_pair_in_two_sets_in_either_orientation(cora_split: LinkSplit) -> None:
    n = cora_split.num_nodes
    keys = {name: _pair_keys(getattr(cora_split, name), n) for name in SETS}
    for i, a in enumerate(SETS):
        for b in SETS[i + 1 :]:
            assert not keys[a] & keys[b], (a, b)


def test_positives_partition_the_graph(cora_split: LinkSplit, cora_graph) -> None:
    edge_index, n = cora_graph
    positives = torch.cat([cora_split.train_pos, cora_split.val_pos, cora_split.test_pos], dim=1)
    assert _pair_keys(positives, n) == _graph_keys(edge_index, n)


def test_negatives_are_non_edges_of_the_full_graph(cora_split: LinkSplit, cora_graph) -> None:
    # The paper's code checks validation negatives against training and validation edges only,
    # so a validation negative can be a test edge; here no negative is an edge anywhere.
    edge_index, n = cora_graph
    edges = _graph_keys(edge_index, n)
    assert not _pair_keys(cora_split.val_neg, n) & edges
    assert not _pair_keys(cora_split.test_neg, n) & edges
    assert not _pair_keys(cora_split.val_neg, n) & _pair_keys(cora_split.test_pos, n)


def test_training_graph_holds_training_edges_only(cora_split: LinkSplit) -> None:
    n = cora_split.num_nodes
    graph = cora_split.train_edge_index
    assert graph.size(1) == 2 * cora_split.train_pos.size(1)
    directed = set((graph[0] * n + graph[1]).tolist())
    for name in ("val_pos", "test_pos"):
        a, b = getattr(cora_split, name)
        assert not directed & set((a * n + b).tolist()), name
        assert not directed & set((b * n + a).tolist()), name  # nor the reverse direction
    assert _pair_keys(graph, n) == _pair_keys(cora_split.train_pos, n)


def test_seeded_reproducible_and_leaves_global_random_state(cora_graph) -> None:
    edge_index, n = cora_graph
    torch.manual_seed(123)
    random.seed(123)
    expected = (torch.rand(3), random.random())
    torch.manual_seed(123)
    random.seed(123)
    a = split_edges(edge_index, n, seed=5)
    assert (torch.rand(3).tolist(), random.random()) == (expected[0].tolist(), expected[1])
    b = split_edges(edge_index, n, seed=5)
    c = split_edges(edge_index, n, seed=6)
    for name in SETS:
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert not torch.equal(a.test_pos, c.test_pos)


def test_karate_sizes_one_direction_and_self_loops_in_input() -> None:
    from gcnlab.data.karate import read_karate

    data = read_karate()
    one_way = data.edge_index[:, data.edge_index[0] < data.edge_index[1]]  # 78 edges
    with_loops = torch.cat([one_way, torch.tensor([[0, 5], [0, 5]])], dim=1)
    split = split_edges(with_loops, data.num_nodes, seed=0)
    assert (split.train_pos.size(1), split.val_pos.size(1), split.test_pos.size(1)) == (68, 3, 7)
    assert split.val_neg.size(1) == 3 and split.test_neg.size(1) == 7
    full = split_edges(data.edge_index, data.num_nodes, seed=0)  # both directions: same split
    assert torch.equal(split.test_pos, full.test_pos) and torch.equal(split.val_neg, full.val_neg)


def test_to_moves_every_tensor() -> None:
    split = split_edges(
        to_undirected(torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])),
        8,
        seed=0,
        val_ratio=0.2,
        test_ratio=0.2,
    )
    moved = split.to("cpu")
    assert moved.num_nodes == 8 and all(
        torch.equal(getattr(moved, s), getattr(split, s)) for s in SETS
    )


def test_errors() -> None:
    complete = to_undirected(torch.combinations(torch.arange(5)).t())  # K5: no non-edges
    with pytest.raises(DataError, match="only 0 node pairs that are not edges"):
        split_edges(complete, 5, val_ratio=0.1, test_ratio=0.1)
    with pytest.raises(DataError, match="the graph has 0 edges"):
        split_edges(torch.empty(2, 0, dtype=torch.long), 3)
    with pytest.raises(UsageError, match="sum to less than 1"):
        split_edges(complete, 5, val_ratio=0.5, test_ratio=0.5)


def test_sample_non_edges_flags_edges_and_self_loops() -> None:
    torch.manual_seed(0)
    n = 6
    edges = torch.tensor([[0, 1, 2], [1, 2, 3]])
    keys = edge_keys(edges, n)
    assert keys.tolist() == sorted([1, 6, 8, 13, 15, 20])  # both directions, sorted
    pairs, valid = sample_non_edges(keys, n, 2000)
    assert pairs.shape == (2, 2000) and valid.shape == (2000,)
    forbidden = set(keys.tolist())
    for (a, b), ok in zip(pairs.t().tolist(), valid.tolist(), strict=True):
        assert ok == (a != b and a * n + b not in forbidden)
    assert 0 < int(valid.sum()) < 2000  # on 6 nodes both kinds occur


def test_pair_keys_refuse_graphs_past_int64() -> None:
    from gcnlab.data.link_split import MAX_KEY_NODES, edge_keys, sample_non_edges
    from gcnlab.errors import DataError

    edges = torch.tensor([[0], [1]])
    assert edge_keys(edges, MAX_KEY_NODES).tolist() == [1, MAX_KEY_NODES]
    with pytest.raises(DataError, match="overflow int64"):
        edge_keys(edges, MAX_KEY_NODES + 1)
    with pytest.raises(DataError, match="overflow int64"):
        sample_non_edges(torch.tensor([1]), MAX_KEY_NODES + 1, 4)


@pytest.mark.parametrize("n,e", [(50, 300), (1000, 20000), (5, 0)])
def test_canonical_edges_are_pygs_coalesced_undirected_graph(n: int, e: int) -> None:
    from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

    from gcnlab.data.link_split import _canonical

    edge_index = torch.randint(0, n, (2, e), generator=torch.Generator().manual_seed(n))
    reference = coalesce(to_undirected(remove_self_loops(edge_index)[0], num_nodes=n), num_nodes=n)
    assert torch.equal(_canonical(edge_index, n), reference)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_split_is_pygs_random_link_split_draw_for_draw(seed: int) -> None:
    """split_edges cuts the positives itself; the edges (and so every negative drawn after
    them, and every result and checkpoint) are those of PyG's RandomLinkSplit as it ran before."""
    from torch_geometric.data import Data
    from torch_geometric.transforms import RandomLinkSplit

    from gcnlab.data.link_split import _canonical, _non_edges, _own_random_state

    n = 300
    edge_index = torch.randint(0, n, (2, 1500), generator=torch.Generator().manual_seed(seed))
    full = _canonical(edge_index, n)
    transform = RandomLinkSplit(
        num_val=0.05,
        num_test=0.1,
        is_undirected=True,
        split_labels=True,
        add_negative_train_samples=False,
        neg_sampling_ratio=0.0,
    )
    with _own_random_state(seed):
        train, val, test = transform(Data(edge_index=full, num_nodes=n))
        num_val, num_test = val.pos_edge_label_index.size(1), test.pos_edge_label_index.size(1)
        negatives = _non_edges(full, n, num_val + num_test)
    split = split_edges(edge_index, n, seed=seed)
    assert torch.equal(split.train_pos, train.pos_edge_label_index)
    assert torch.equal(split.val_pos, val.pos_edge_label_index)
    assert torch.equal(split.test_pos, test.pos_edge_label_index)
    assert torch.equal(split.val_neg, negatives[:, :num_val])
    assert torch.equal(split.test_neg, negatives[:, num_val:])
