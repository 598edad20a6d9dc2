"""Zachary's karate club (1977) from networkx: 34 members, 78 friendships, two factions.

Labels are the faction each member joined after the split (``club``: 0 = Mr. Hi, 1 = Officer).
Features are one-hot node ids, as in Kipf & Welling's karate demo. The split is fixed: the two
leaders (nodes 0 and 33) are the only labelled training nodes, 10 nodes validate, 22 test.
"""

from __future__ import annotations

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
