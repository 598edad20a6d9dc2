"""The rules of gcnlab.data.graph_parts.assemble on hostile values, for every source."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from gcnlab import InputError
from gcnlab.data.graph_parts import MAX_FEATURE, assemble, from_data, label_name


def path_data(**values: torch.Tensor) -> Data:
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 3]])
    return Data(edge_index=edge_index, num_nodes=4, **values)


def test_sparse_class_ids_of_a_data_object_are_compacted() -> None:
    y = torch.tensor([0, 100_000_000, -1, 0])
    data = assemble(from_data(path_data(y=y)))
    assert data.y.tolist() == [0, 1, -1, 0]
    assert data.num_classes == 2
    assert data.class_names == ["0", "100000000"]
    # names given by the source stay with their classes
    named = path_data(y=torch.tensor([0, 2, 2, 0]))
    named.class_names = ["zero", "one", "two"]
    data = assemble(from_data(named))
    assert data.y.tolist() == [0, 1, 1, 0]
    assert data.class_names == ["zero", "two"]


def test_features_near_float32_limits_are_refused_when_read() -> None:
    x = torch.ones(4, 2)
    x[2, 1] = 3e38
    with pytest.raises(InputError, match=r"1 node features exceed 1e\+15 .*node 2, feature 1"):
        assemble(from_data(path_data(x=x)))
    x[2, 1] = MAX_FEATURE
    assert assemble(from_data(path_data(x=x))).x[2, 1] == MAX_FEATURE


def test_label_name_is_one_rule() -> None:
    assert [label_name(v) for v in (None, "", " -1 ", -1, -1.0, 2.0, "x", "07")] == [
        "",
        "",
        "",
        "",
        "",
        "2",
        "x",
        "07",
    ]
    with pytest.raises(ValueError, match="-1 or empty"):
        label_name(-2)
