"""validate_graph: every kind of malformed graph is refused with a message naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from gcnlab import NodeConfig, load_dataset, train_node
from gcnlab.data.validate import validate_graph
from gcnlab.errors import UsageError
from gcnlab.nn.sparse import SparseMatrix


def _graph() -> Data:
    """5 nodes, a path 0-1-2-3 (both directions) and an isolated node 4; 2 classes."""
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    masks = {name: torch.tensor(m, dtype=torch.bool) for name, m in (
        ("train_mask", [1, 1, 0, 0, 0]), ("val_mask", [0, 0, 1, 0, 0]),
        ("test_mask", [0, 0, 0, 1, 1]))}
    data = Data(x=torch.rand(5, 3), edge_index=edge_index, y=torch.tensor([0, 1, 0, 1, 1]),
                edge_weight=torch.rand(6), **masks)
    data.num_classes = 2
    return data


def test_a_valid_graph_passes() -> None:
    validate_graph(_graph())


@pytest.mark.parametrize("name", ["cora", "citeseer"])
def test_the_real_datasets_pass(planetoid_root: Path, name: str) -> None:
    validate_graph(load_dataset(name, planetoid_root, download=False))


def test_karate_passes() -> None:
    validate_graph(load_dataset("karate"))


def test_loose_tensors_and_sparse_features_pass() -> None:
    g = _graph()
    validate_graph(x=g.x.to_sparse_csr(), edge_index=g.edge_index)
    validate_graph(x=SparseMatrix.from_tensor(g.x), edge_index=g.edge_index, y=g.y, num_classes=2)


def _set(**changes: object) -> Data:
    g = _graph()
    for key, value in changes.items():
        setattr(g, key, value)
    return g


def _nan_at(node: int, value: float) -> torch.Tensor:
    x = torch.rand(5, 3)
    x[node, 1] = value
    return x


CASES = {
    "edge_index float": (_set(edge_index=torch.tensor([[0.0, 1.0], [1.0, 0.0]])),
                         r"edge_index must have dtype torch\.long, got torch\.float32"),
    "edge_index int32": (_set(edge_index=torch.tensor([[0, 1], [1, 0]], dtype=torch.int32)),
                         r"dtype torch\.long, got torch\.int32"),
    "edge_index [E, 2]": (_set(edge_index=torch.tensor([[0, 1], [1, 2], [2, 3]])),
                          r"shape \[2, E\], got \[3, 2\] \(transpose it with \.t\(\)\)"),
    "edge_index 1-D": (_set(edge_index=torch.tensor([0, 1, 2])), r"shape \[2, E\], got \[3\]"),
    "edge_index list": (_set(edge_index=[[0, 1], [1, 0]]), "must be a torch.Tensor, got list"),
    "edge_index negative": (_set(edge_index=torch.tensor([[0, -1], [1, 0]])),
                            r"negative node id \(-1\)"),
    "edge_index too high": (_set(edge_index=torch.tensor([[0, 5], [1, 0]])),
                            r"refers to node 5 but the graph has 5 nodes \(ids 0\.\.4\)"),
    "x NaN": (_set(x=_nan_at(3, float("nan"))), r"x holds 1 NaN and 0 infinite .* at node 3"),
    "x inf": (_set(x=_nan_at(2, float("-inf"))), r"x holds 0 NaN and 1 infinite .* at node 2"),
    "x integer": (_set(x=torch.ones(5, 3, dtype=torch.long)), r"x must be floating point"),
    "x rows": (_set(x=torch.rand(4, 3)), r"sizes along the node dimension disagree: x 4, y 5, "
                                         r"train_mask 5, val_mask 5, test_mask 5"),
    "x no columns": (_set(x=torch.rand(5, 0)), r"expected \[5, F\] with F >= 1"),
    "x 1-D": (_set(x=torch.rand(5)), r"x must have shape \[N, F\]"),
    "y too high": (_set(y=torch.tensor([0, 1, 2, 1, 1])),
                   r"label 2 at node 2; .* must be \[0, 2\)"),
    "y negative in a mask": (_set(y=torch.tensor([0, -1, 0, 1, 1])), r"label -1 at node 1"),
    "y float": (_set(y=torch.zeros(5)), r"y must hold integer class ids, got torch\.float32"),
    "y one-hot": (_set(y=torch.eye(5, 2, dtype=torch.long)),
                  r"y must have shape \[5\], got \[5, 2\] \(one-hot labels\?"),
    "y short": (_set(y=torch.tensor([0, 1, 0])), r"disagree: x 5, y 3, train_mask 5"),
    "empty mask": (_set(val_mask=torch.zeros(5, dtype=torch.bool)), "val_mask selects no nodes"),
    "overlapping masks": (_set(test_mask=torch.tensor([1, 0, 0, 1, 1], dtype=torch.bool)),
                          r"train_mask and test_mask overlap on 1 nodes \(first: node 0\)"),
    "integer mask": (_set(train_mask=torch.tensor([1, 1, 0, 0, 0])),
                   r"train_mask must be a boolean tensor of shape \[5\], got torch\.int64"),
    "mask length": (_set(train_mask=torch.ones(4, dtype=torch.bool)),
                    r"disagree: x 5, y 5, train_mask 4, val_mask 5"),
    "mask 2-D": (_set(train_mask=torch.ones(5, 1, dtype=torch.bool)),
                 r"train_mask must have shape \[5\], got \[5, 1\]"),
    "num_nodes": (_graph(), r"disagree: num_nodes 6, x 5"),
    "negative weight": (_set(edge_weight=torch.tensor([1.0, 1, -0.5, 1, 1, 1])),
                        r"negative values \(min -0\.5 at edge 2\); symmetric normalization"),
    "NaN weight": (_set(edge_weight=torch.tensor([1.0, 1, 1, float("nan"), 1, 1])),
                   r"edge_weight holds 1 NaN or infinite values \(first at edge 3\)"),
    "weight count": (_set(edge_weight=torch.ones(5)),
                     r"edge_weight must have shape \[6\] \(one weight per edge\), got \[5\]"),
    "integer weight": (_set(edge_weight=torch.ones(6, dtype=torch.long)),
                       "edge_weight must be a floating-point tensor"),
    "no edge_index": (_set(edge_index=None), "the graph has no edge_index"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_graph_is_refused_with_its_problem_named(case: str) -> None:
    data, message = CASES[case]
    with pytest.raises(ValueError, match=message) as info:
        validate_graph(data, num_nodes=6 if case == "num_nodes" else None)
    assert isinstance(info.value, UsageError)


def test_negative_weights_are_fine_without_normalization() -> None:
    validate_graph(_set(edge_weight=-torch.rand(6)), normalize=False)


def test_unlabelled_nodes_outside_the_masks_are_not_checked() -> None:
    g = _set(y=torch.tensor([0, 1, 0, 1, -1]), test_mask=torch.tensor([0, 0, 0, 1, 0]).bool())
    validate_graph(g)  # node 4 is in no mask: its -1 is never read


def test_keywords_override_the_data() -> None:
    with pytest.raises(UsageError, match="node 4"):
        validate_graph(_graph(), x=_nan_at(4, float("nan")))


def test_train_node_validates_the_graph_once_before_training(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gcnlab.tasks.node as node_task
    import gcnlab.train.graph_input as graph_input

    bad = load_dataset("karate")
    bad.x[7, 7] = float("nan")
    monkeypatch.setattr(graph_input, "load_graph", lambda source, **options: bad)
    calls = []
    real = node_task.validate_graph
    monkeypatch.setattr(node_task, "validate_graph",
                        lambda data, **kw: calls.append(1) or real(data, **kw))
    with pytest.raises(UsageError, match=r"x holds 1 NaN .* at node 7"):
        train_node(NodeConfig(dataset="karate", runs=2, epochs=3, device="cpu"))
    assert calls == [1]
