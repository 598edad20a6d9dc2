"""The AGC low-pass filter against the dense formula and hand-computed values."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.utils import to_dense_adj

from gcnlab.nn.low_pass import LowPassFilter, low_pass_operator, low_pass_powers
from gcnlab.nn.sparse import SparseMatrix


def _dense_operator(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    a = to_dense_adj(edge_index, max_num_nodes=num_nodes)[0].double() + torch.eye(num_nodes)
    d = a.sum(1).pow(-0.5)
    return (torch.eye(num_nodes) + d[:, None] * a * d[None, :]) / 2


# a triangle 0-1-2 with a tail 2-3, and node 4 isolated
EDGES = torch.tensor([[0, 1], [1, 2], [0, 2], [2, 3]]).t()
EDGE_INDEX = torch.cat([EDGES, EDGES.flip(0)], dim=1)


def test_operator_equals_dense_formula() -> None:
    op = low_pass_operator(EDGE_INDEX, 5)
    torch.testing.assert_close(op.to_dense(), _dense_operator(EDGE_INDEX, 5))
    # by hand: node 3 has degree 2 with its self-loop, node 2 has 4: S_33 = (1 + 1/2) / 2,
    # S_32 = (1 / sqrt(2 * 4)) / 2; the isolated node keeps itself: S_44 = (1 + 1) / 2
    dense = op.to_dense()
    assert dense[3, 3].item() == pytest.approx(0.75)
    assert dense[3, 2].item() == pytest.approx(0.5 / 8**0.5)
    assert dense[4, 4].item() == 1.0 and dense[4, :4].abs().sum().item() == 0.0


def test_frequency_response_is_low_pass() -> None:
    # eigenvalues of S are 1 - lambda/2 for the eigenvalues lambda in [0, 2) of I - Ã: in (0, 1]
    eig = torch.linalg.eigvalsh(_dense_operator(EDGE_INDEX, 5))
    assert eig.min() > 0 and eig.max() == pytest.approx(1.0)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_powers_and_layer_equal_matrix_powers(sparse_input: bool) -> None:
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(5, 3, generator=gen) > 0.5).double()
    dense = _dense_operator(EDGE_INDEX, 5)
    features = SparseMatrix.from_tensor(x) if sparse_input else x
    powers = list(itertools.islice(low_pass_powers(features, low_pass_operator(EDGE_INDEX, 5)), 4))
    for p, h in enumerate(powers, start=1):
        torch.testing.assert_close(h, torch.linalg.matrix_power(dense, p) @ x)
        torch.testing.assert_close(LowPassFilter(p)(features, EDGE_INDEX), h)
    assert torch.equal(LowPassFilter(0)(x, EDGE_INDEX), x)
    # the isolated node's features never change
    assert torch.equal(powers[-1][4], x[4])


def test_layer_keeps_float32_and_rejects_negative_power() -> None:
    x = torch.rand(5, 2)
    out = LowPassFilter(3)(x, EDGE_INDEX)
    assert out.dtype == torch.float32
    torch.testing.assert_close(
        out, (torch.linalg.matrix_power(_dense_operator(EDGE_INDEX, 5), 3) @ x.double()).float()
    )
    with pytest.raises(ValueError, match="power must be >= 0"):
        LowPassFilter(-1)
    assert repr(LowPassFilter(2)) == "LowPassFilter(power=2)"
