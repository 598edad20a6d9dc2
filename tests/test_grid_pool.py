"""GridPool against MaxPool2d / AvgPool2d (outputs and gradients) and PyG's cluster pooling."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.nn.pool import avg_pool_x, max_pool_x

from gcnlab.nn.grid import grid_graph
from gcnlab.nn.grid_pool import GridPool

REFERENCE = {"max": torch.nn.MaxPool2d, "mean": torch.nn.AvgPool2d}
SWEEP = list(
    itertools.product([2, 3, (2, 3)], [None, 1, (1, 2)], ["max", "mean"], ["table", "message"])
)


@pytest.mark.parametrize("kernel,stride,mode,path", SWEEP)
def test_equals_torch_pooling_with_gradients(kernel, stride, mode, path):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 7, 9, requires_grad=True)  # non-square, windows overlap for stride 1
    expected = REFERENCE[mode](kernel, stride)(x)
    grad = torch.randn_like(expected)
    (expected_grad,) = torch.autograd.grad(expected, x, grad)
    out = GridPool(kernel, stride, mode, path=path)(x)
    (out_grad,) = torch.autograd.grad(out, x, grad)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(out_grad, expected_grad, atol=1e-6, rtol=1e-6)


def test_max_gradient_goes_to_the_first_maximum_like_maxpool2d():
    x = torch.tensor([[[[1.0, 1.0], [0.0, 1.0]]]], requires_grad=True)  # a three-way tie
    (expected,) = torch.autograd.grad(torch.nn.MaxPool2d(2)(x).sum(), x)
    (ours,) = torch.autograd.grad(GridPool(2)(x).sum(), x)
    assert ours.tolist() == expected.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


@pytest.mark.parametrize("mode,pyg", [("max", max_pool_x), ("mean", avg_pool_x)])
def test_partition_is_pyg_cluster_pooling(mode, pyg):
    # stride = kernel: every pixel in exactly one cluster, the coarsening PyG does on clusters
    graph = grid_graph(6, 4, 2, stride=2)
    cluster = torch.empty(graph.num_in_nodes, dtype=torch.long)
    cluster[graph.edge_index[0]] = graph.edge_index[1]
    x = torch.randn(graph.num_in_nodes, 5)
    expected, _ = pyg(cluster, x, torch.zeros_like(cluster))
    torch.testing.assert_close(GridPool(2, mode=mode)(x, graph), expected)
    images = x.t().reshape(1, 5, 6, 4)
    torch.testing.assert_close(GridPool(2, mode=mode)(images), expected.t().reshape(1, 5, 3, 2))


def test_errors_and_repr():
    assert repr(GridPool(2)) == "GridPool(kernel_size=(2, 2), stride=(2, 2), mode='max')"
    with pytest.raises(ValueError, match="mode must be one of max, mean"):
        GridPool(2, mode="sum")
    with pytest.raises(ValueError, match="not this pooling's clustering"):
        GridPool(2)(torch.randn(16, 3), grid_graph(4, 4, 2, stride=1))
    with pytest.raises(ValueError, match="has 16 input pixels"):
        GridPool(2)(torch.randn(15, 3), grid_graph(4, 4, 2, stride=2))
    with pytest.raises(ValueError, match="does not fit"):
        GridPool(3)(torch.randn(1, 1, 2, 5))
