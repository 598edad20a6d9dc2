"""The edge split for link prediction of Kipf & Welling (2016), and sampling of non-edges.

Each undirected edge is one pair ``(a, b)`` with ``a < b``. A seeded permutation puts 5 % of them
in validation, 10 % in test and the rest in training (PyG's ``RandomLinkSplit``; the sizes are
``floor(E / 20)`` and ``floor(E / 10)``, as in the paper's code). Validation and test each get as
many negatives, drawn together, without repeats, from the pairs that are not edges of the *full*
graph (PyG's ``negative_sampling`` with ``force_undirected=True``). So:

- no pair is in two of the five sets, in either orientation;
- no negative is an edge anywhere, so a validation negative is never a test positive (the paper's
  code draws validation negatives from non-training pairs only: some are test edges);
- the graph the encoder sees (:attr:`LinkSplit.train_edge_index`) holds training edges only.

The split is drawn on the CPU from its own seed and leaves the global random state as it was, so
one seed gives one split on any device and in any order of calls.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, fields

import torch
from torch import Tensor
from torch_geometric.utils import negative_sampling

from gcnlab.errors import DataError, InputError, UsageError


@dataclass(frozen=True)
class LinkSplit:
    """Positive and negative node pairs of one split, each ``[2, k]`` with row 0 < row 1."""

    num_nodes: int
    train_pos: Tensor  # [2, E_train] the edges the model learns from (and the only ones it sees)
    val_pos: Tensor  # [2, E_val]
    val_neg: Tensor  # [2, E_val] non-edges of the full graph
    test_pos: Tensor  # [2, E_test]
    test_neg: Tensor  # [2, E_test] non-edges of the full graph, none shared with val_neg

    @property
    def train_edge_index(self) -> Tensor:
        """The training graph in both directions ``[2, 2 E_train]``: the encoder's input."""
        return torch.cat([self.train_pos, self.train_pos.flip(0)], dim=1)

    def to(self, device: torch.device | str) -> LinkSplit:
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in moved.items():
            if isinstance(value, Tensor):
                moved[key] = value.to(device)
        return LinkSplit(**moved)

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{f.name}={getattr(self, f.name).size(1)}"
            for f in fields(self)
            if f.name != "num_nodes"
        )
        return f"{self.__class__.__name__}(num_nodes={self.num_nodes}, {sizes})"


@contextlib.contextmanager
def _own_random_state(seed: int) -> Iterator[None]:
    """Seed Python's and torch's CPU generators (what the PyG helpers draw from) for the block,
    then put back the states they had."""
    python_state = random.getstate()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(python_state)


def _canonical(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Both directions of every edge, no self-loops, no repeats: ``[2, 2E]``, sorted by
    (row, col) as PyG's ``coalesce(to_undirected(...))`` returns it, built with scipy's bucket
    conversion (O(E + N) instead of sorting 2E int64 keys: 4x faster at 10 M edges)."""
    import numpy as np

    from gcnlab.data.partition import symmetric_csr

    adj = symmetric_csr(edge_index, num_nodes)  # sorted, unique columns in every row
    rows = np.repeat(np.arange(num_nodes, dtype=np.int64), np.diff(adj.indptr))
    return torch.from_numpy(np.stack([rows, adj.indices.astype(np.int64)]))


def _positive_split(
    full: Tensor, val_ratio: float, test_ratio: float
) -> tuple[Tensor, Tensor, Tensor]:
    """The (a <= b) edges of ``full`` shuffled by ``torch.randperm`` and cut into train,
    validation and test ``[2, *]``: PyG's ``RandomLinkSplit(is_undirected=True)`` split, draw
    for draw (a test holds them equal), without the negative sampling it runs even when asked
    for none (a set intersection over all 2E edges: 20 s at 10 M edges)."""
    index = (full[0] <= full[1]).nonzero().view(-1)
    index = index[torch.randperm(index.numel())]
    num_val, num_test = int(val_ratio * index.numel()), int(test_ratio * index.numel())
    num_train = index.numel() - num_val - num_test
    if num_train <= 0:
        raise DataError(f"cannot split {index.numel()} edges: too few to leave any for training")
    train, val = index[:num_train], index[num_train : num_train + num_val]
    return full[:, train], full[:, val], full[:, index[num_train + num_val :]]


def min_edges(val_ratio: float = 0.05, test_ratio: float = 0.10) -> int:
    """The fewest undirected edges :func:`split_edges` can split: at least one validation and one
    test edge (for each share above 0) and one training edge (20 at the default shares)."""
    count = 1
    while (
        (val_ratio > 0 and int(val_ratio * count) < 1)
        or (test_ratio > 0 and int(test_ratio * count) < 1)
        or count - int(val_ratio * count) - int(test_ratio * count) < 1
    ):
        count += 1
    return count


def check_splittable(
    num_edges: int, num_nodes: int, val_ratio: float = 0.05, test_ratio: float = 0.10
) -> None:
    """Refuse a graph of ``num_edges`` undirected edges (no self-loops, no repeats) that
    :func:`split_edges` cannot split, or that has too few non-edges for the negatives.

    Raises:
        InputError: too few edges, or too few node pairs that are not edges.
    """
    need = min_edges(val_ratio, test_ratio)
    if num_edges < need:
        raise InputError(
            f"the graph has {num_edges} edge{'s' * (num_edges != 1)} (self-loops and repeats "
            f"aside); link prediction holds out {val_ratio:.0%} of them for validation and "
            f"{test_ratio:.0%} for test, which needs at least {need} edges"
        )
    held_out = int(val_ratio * num_edges) + int(test_ratio * num_edges)
    non_edges = num_nodes * (num_nodes - 1) // 2 - num_edges
    if non_edges < held_out:
        raise InputError(
            f"the graph has {num_edges} edges among {num_nodes} nodes, so only {non_edges} "
            f"node pairs that are not edges; link prediction needs {held_out} of them as "
            "negatives (one per held-out edge)"
        )


def _non_edges(edge_index: Tensor, num_nodes: int, count: int) -> Tensor:
    """``count`` distinct pairs ``[2, count]`` (row 0 < row 1) that are not in ``edge_index``."""
    found = edge_index.new_empty((2, 0))
    for _ in range(10):  # negative_sampling may return fewer than asked; ask again for the rest
        exclude = torch.cat([edge_index, found, found.flip(0)], dim=1)
        missing = count - found.size(1)
        fresh = negative_sampling(
            exclude, num_nodes, num_neg_samples=2 * missing, force_undirected=True
        )
        found = torch.cat([found, fresh[:, : fresh.size(1) // 2]], dim=1)  # the (a < b) half
        if found.size(1) >= count:
            return found[:, :count]
    raise DataError(f"the graph has too few non-edges for {count} negative pairs")


def split_edges(
    edge_index: Tensor,
    num_nodes: int,
    *,
    seed: int = 0,
    val_ratio: float = 0.05,
    test_ratio: float = 0.10,
) -> LinkSplit:
    """Split an undirected graph's edges for link prediction (see the module docstring).

    Args:
        edge_index (Tensor): ``[2, E]`` edges; either or both directions, self-loops dropped.
        num_nodes (int): number of nodes.
        seed (int, optional): seed of this split. (default: :obj:`0`)
        val_ratio (float, optional): share of edges for validation. (default: :obj:`0.05`)
        test_ratio (float, optional): share of edges for test. (default: :obj:`0.10`)

    Returns:
        :class:`LinkSplit` on the CPU.

    Raises:
        InputError: too few edges to hold out validation and test edges, or too few non-edges
            for their negatives (:func:`check_splittable`).
    """
    if not (0 <= val_ratio and 0 <= test_ratio and val_ratio + test_ratio < 1):
        raise UsageError(
            f"val_ratio and test_ratio must be >= 0 and sum to less than 1, "
            f"got {val_ratio} and {test_ratio}"
        )
    full = _canonical(edge_index.cpu(), num_nodes)
    check_splittable(full.size(1) // 2, num_nodes, val_ratio, test_ratio)
    with _own_random_state(seed):
        train_pos, val_pos, test_pos = _positive_split(full, val_ratio, test_ratio)
        num_val, num_test = val_pos.size(1), test_pos.size(1)
        negatives = _non_edges(full, num_nodes, num_val + num_test)
    return LinkSplit(
        num_nodes=num_nodes,
        train_pos=train_pos,
        val_pos=val_pos,
        val_neg=negatives[:, :num_val],
        test_pos=test_pos,
        test_neg=negatives[:, num_val:],
    )


# Pair keys row * N + col stay below 2^63 up to this many nodes (floor(sqrt(2^63 - 1))).
MAX_KEY_NODES = math.isqrt(2**63 - 1)


def check_key_range(num_nodes: int) -> None:
    """Refuse graphs whose pair keys ``row * N + col`` would overflow int64."""
    if num_nodes > MAX_KEY_NODES:
        raise DataError(
            f"{num_nodes} nodes: pair keys row * N + col overflow int64 beyond "
            f"{MAX_KEY_NODES} nodes; sampled negatives cannot be checked"
        )


def sample_non_edges(edge_keys: Tensor, num_nodes: int, num_samples: int) -> tuple[Tensor, Tensor]:
    """``num_samples`` uniform node pairs and whether each is a non-edge, on ``edge_keys``' device.

    For the sampled-negative loss, drawn every epoch. Pairs that hit an edge or a self-loop are
    flagged rather than redrawn, so the output shape is fixed and the device never waits for a
    count (on Cora about 1 draw in 600 is flagged).

    Args:
        edge_keys (Tensor): sorted keys ``row * num_nodes + col`` of the pairs to avoid, both
            directions (see :func:`edge_keys`).
        num_nodes (int): number of nodes.
        num_samples (int): pairs to draw.

    Returns:
        ``(edge_index [2, num_samples], valid [num_samples] bool)``.
    """
    check_key_range(num_nodes)
    pairs = torch.randint(num_nodes, (2, num_samples), device=edge_keys.device)
    key = pairs[0] * num_nodes + pairs[1]
    at = torch.searchsorted(edge_keys, key).clamp_(max=max(edge_keys.numel() - 1, 0))
    is_edge = edge_keys[at] == key if edge_keys.numel() else torch.zeros_like(key, dtype=torch.bool)
    return pairs, ~is_edge & (pairs[0] != pairs[1])


def edge_keys(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Sorted keys ``row * num_nodes + col`` of ``edge_index`` and of its reverse ``[2E]``
    (int64; :class:`~gcnlab.errors.DataError` past :data:`MAX_KEY_NODES` nodes, where they
    would overflow)."""
    check_key_range(num_nodes)
    both = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    return torch.unique(both[0] * num_nodes + both[1])
