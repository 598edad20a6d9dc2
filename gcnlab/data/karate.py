"""Zachary's karate club (1977) from networkx: 34 members, 78 friendships, two factions.

Labels are the faction each member joined after the split (``club``: 0 = Mr. Hi, 1 = Officer).
Features are one-hot node ids, as in Kipf & Welling's karate demo. The split is fixed: the two
leaders (nodes 0 and 33) are the only labelled training nodes, 10 nodes validate, 22 test.

:func:`read_karate_communities` gives the club as Kipf & Welling's demo uses it: either the
2 factions, or the 4 communities of PyG's ``KarateClub`` (modularity-based, shipped in PyG's
code, no download), each with one labelled member per community.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import torch
from torch_geometric.data import Data

LEADERS = (0, 33)
NUM_VAL = 10


def read_karate() -> Data:
    graph = nx.karate_club_graph()
    num_nodes = graph.number_of_nodes()
    edges = torch.tensor(list(graph.edges()), dtype=torch.long).t()
    edge_index = torch.cat([edges, edges.flip(0)], dim=1)  # both directions
    edge_index = edge_index[:, torch.argsort(edge_index[0] * num_nodes + edge_index[1])]
    y = torch.tensor([0 if graph.nodes[i]["club"] == "Mr. Hi" else 1 for i in range(num_nodes)])

    # The split is drawn once with a fixed generator, so it is the same on every machine.
    others = np.array([i for i in range(num_nodes) if i not in LEADERS])
    order = np.random.default_rng(0).permutation(others)
    masks = {}
    for key, index in (
        ("train_mask", list(LEADERS)),
        ("val_mask", order[:NUM_VAL]),
        ("test_mask", order[NUM_VAL:]),
    ):
        mask = torch.zeros(num_nodes, dtype=torch.bool)
        mask[torch.as_tensor(index)] = True
        masks[key] = mask
    return Data(x=torch.eye(num_nodes), edge_index=edge_index, y=y, **masks)


@dataclass(frozen=True)
class Communities:
    """One way to divide the club, with the one labelled member per community that
    semi-supervised training sees."""

    name: str
    description: str
    labelled: tuple[int, ...]  # one member per community, in community order


COMMUNITIES: dict[str, Communities] = {
    "factions": Communities(
        "factions",
        "the 2 factions after the split (networkx's 'club': Mr. Hi, Officer)",
        LEADERS,  # the two leaders, Mr. Hi (0) and the officer (33)
    ),
    "communities": Communities(
        "communities",
        "4 communities from modularity clustering (PyG's KarateClub, Kipf & Welling)",
        (8, 0, 24, 4),  # PyG's training nodes, ordered by the community each labels
    ),
}


def read_karate_communities(name: str) -> Data:
    """The club with the communities ``name`` of :data:`COMMUNITIES` as ``y`` ``[34]``, one-hot
    ids as ``x``, and ``train_mask`` marking the one labelled member per community (every other
    member is unlabelled: ``test_mask``)."""
    if name not in COMMUNITIES:
        raise ValueError(
            f"unknown karate communities {name!r}; choose one of: {', '.join(COMMUNITIES)}"
        )
    data = read_karate()
    if name == "communities":
        from torch_geometric.datasets import KarateClub  # the labels ship in PyG's code

        pyg = KarateClub()[0]
        data.y = pyg.y
    train = torch.zeros(data.num_nodes, dtype=torch.bool)
    train[list(COMMUNITIES[name].labelled)] = True
    return Data(
        x=data.x,
        edge_index=data.edge_index,
        y=data.y,
        train_mask=train,
        test_mask=~train,
        name=f"karate-{name}",
        num_classes=int(data.y.max()) + 1,
    )
