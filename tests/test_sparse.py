"""SparseMatrix and spmm against dense torch."""

from __future__ import annotations

import pytest
import torch

from gcnlab import SparseMatrix, spmm
from gcnlab.nn.sparse import dropout


def _random_sparse(m: int = 6, n: int = 5, density: float = 0.4) -> torch.Tensor:
    torch.manual_seed(1)
    return torch.randn(m, n) * (torch.rand(m, n) < density)


def test_from_coo_sums_duplicates_and_keeps_transpose() -> None:
    row = torch.tensor([0, 2, 0, 1])
    col = torch.tensor([1, 0, 1, 2])
    value = torch.tensor([1.0, 2.0, 3.0, 4.0])
    a = SparseMatrix.from_coo(row, col, value, (3, 3))
    expected = torch.tensor([[0.0, 4.0, 0.0], [0.0, 0.0, 4.0], [2.0, 0.0, 0.0]])
    assert torch.equal(a.to_dense(), expected)
    assert torch.equal(a.t.to_dense(), expected.t())
    assert torch.equal(a.t.values(), a.values[a.perm])


@pytest.mark.parametrize("layout", ["dense", "coo", "csr"])
def test_from_tensor_round_trip(layout: str) -> None:
    x = _random_sparse()
    src = {"dense": x, "coo": x.to_sparse(), "csr": x.to_sparse_csr()}[layout]
    a = SparseMatrix.from_tensor(src)
    assert torch.equal(a.to_dense(), x) and torch.equal(a.t.to_dense(), x.t())


def test_spmm_forward_and_gradient_equal_dense() -> None:
    x = _random_sparse()
    a = SparseMatrix.from_tensor(x)
    b = torch.randn(5, 3, requires_grad=True)
    out = spmm(a, b)
    torch.testing.assert_close(out, x @ b)
    (out**2).sum().backward()
    b2 = b.detach().clone().requires_grad_()
    ((x @ b2) ** 2).sum().backward()
    torch.testing.assert_close(b.grad, b2.grad)


def test_spmm_accepts_non_contiguous_operand() -> None:
    x = _random_sparse()
    w = torch.randn(3, 5)
    torch.testing.assert_close(spmm(SparseMatrix.from_tensor(x), w.t()), x @ w.t())


def test_spmm_refuses_dtype_mismatch() -> None:
    with pytest.raises(TypeError, match="dtype"):
        spmm(SparseMatrix.from_tensor(_random_sparse()), torch.randn(5, 2, dtype=torch.float64))


def test_with_values_updates_both_orders() -> None:
    a = SparseMatrix.from_tensor(_random_sparse())
    b = a.with_values(a.values * 2)
    assert torch.equal(b.to_dense(), a.to_dense() * 2)
    assert torch.equal(b.t.to_dense(), b.to_dense().t())


def test_sparse_dropout_touches_only_non_zeros() -> None:
    torch.manual_seed(0)
    x = _random_sparse(60, 50)
    a = SparseMatrix.from_tensor(x)
    d = a.dropout(0.5).to_dense()
    assert torch.equal(d[x == 0], torch.zeros_like(d[x == 0]))  # zeros stay zero
    kept = d[x != 0] != 0
    torch.testing.assert_close(d[x != 0][kept], 2 * x[x != 0][kept])  # scaled by 1 / (1 - p)
    assert 0.35 < kept.float().mean() < 0.65
    assert a.dropout(0.5, training=False) is a


def test_dense_dropout_statistics() -> None:
    torch.manual_seed(0)
    x = torch.ones(200, 100)
    y = dropout(x, 0.3)
    values = torch.unique(y)
    assert len(values) == 2 and values[0] == 0 and float(values[1]) == pytest.approx(1 / 0.7)
    assert abs(float((y == 0).float().mean()) - 0.3) < 0.01
    assert dropout(x, 0.3, training=False) is x


# -- scale: index width, overflow-free sorting, symmetric storage, row slices ------------------
def test_indices_are_int32_and_symmetric_matrices_are_stored_once() -> None:
    from gcnlab.nn.norm import normalized_adjacency

    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    adj = normalized_adjacency(edge_index, num_nodes=4)
    assert adj.mat.col_indices().dtype == torch.int32
    assert adj.symmetric and adj.t is adj.mat and adj.perm is None
    h = torch.randn(4, 3, requires_grad=True)
    dense = adj.to_dense()
    out = spmm(adj, h)
    out.pow(2).sum().backward()
    h2 = h.detach().clone().requires_grad_()
    (dense @ h2).pow(2).sum().backward()
    torch.testing.assert_close(out, dense @ h.detach())
    torch.testing.assert_close(h.grad, h2.grad)
    # dropout on the values keeps a symmetric matrix's single storage
    dropped = adj.dropout(0.5)
    assert dropped.t is dropped.mat


def test_unsorted_duplicate_coordinates_are_summed_as_a_dense_reference() -> None:
    row = torch.tensor([2, 0, 2, 1, 0])
    col = torch.tensor([1, 3, 1, 0, 3])
    value = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    m = SparseMatrix.from_coo(row, col, value, (3, 4))
    expected = torch.zeros(3, 4).index_put_((row, col), value, accumulate=True)
    torch.testing.assert_close(m.to_dense(), expected)
    torch.testing.assert_close(m.t.to_dense(), expected.t())
    assert not m.symmetric


def test_pair_sort_without_key_products_past_int64() -> None:
    from gcnlab.nn.sparse import _sort_pairs

    big = 2**33  # big * big overflows int64: the two-sort path
    major = torch.tensor([5, 1, 5, 1, 0]) * (2**31)
    minor = torch.tensor([3, 9, 2, 9 - 1, 7]) * (2**31)
    order = _sort_pairs(major, minor, big, big)
    pairs = list(zip(major[order].tolist(), minor[order].tolist(), strict=True))
    assert pairs == sorted(pairs)


def test_rows_slice_matches_dense_rows() -> None:
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(20, 7, generator=g) < 0.3).float() * torch.rand(20, 7, generator=g)
    index = torch.tensor([5, 0, 19, 5, 11])
    torch.testing.assert_close(SparseMatrix.from_tensor(x).rows(index).to_dense(), x[index])


def test_features_are_sparse_only_below_the_density_threshold() -> None:
    from gcnlab.nn.sparse import SPARSE_FEATURES_MAX_DENSITY, as_features, identity

    sparse = torch.zeros(10, 100)
    sparse[:, 0] = 1.0  # 1 %
    dense = torch.ones(10, 100)
    assert SPARSE_FEATURES_MAX_DENSITY == 0.10
    assert isinstance(as_features(sparse), SparseMatrix)
    assert as_features(sparse, sparse=False) is sparse
    assert as_features(dense) is dense
    eye = identity(5)
    assert eye.values.numel() == 5
    torch.testing.assert_close(eye.to_dense(), torch.eye(5))


@pytest.mark.parametrize("symmetric", [False, True])
def test_cpu_bucket_build_equals_the_sort_build(symmetric: bool) -> None:
    """The CPU path (scipy's bucket conversions) gives the sort path's matrix: the same CSR
    arrays, transpose and value permutation; duplicates summed; empty rows and columns."""
    g = torch.Generator().manual_seed(3)
    n, e = 50, 400
    row, col = torch.randint(0, n - 5, (2, e), generator=g)  # the last rows/columns stay empty
    value = torch.rand(e, generator=g, dtype=torch.float64)
    if symmetric:
        row, col, value = torch.cat([row, col]), torch.cat([col, row]), torch.cat([value, value])
    fast = SparseMatrix._from_coo_cpu(row, col, value, (n, n))
    sort = SparseMatrix._from_coo_sort(row, col, value, (n, n))
    assert fast.symmetric == sort.symmetric == symmetric
    for a, b in ((fast.mat, sort.mat), (fast.t, sort.t)):
        assert torch.equal(a.crow_indices(), b.crow_indices())
        assert torch.equal(a.col_indices(), b.col_indices())
        assert a.col_indices().dtype == torch.int32
        torch.testing.assert_close(a.values(), b.values())
    if not symmetric:
        assert torch.equal(fast.perm, sort.perm)
    expected = torch.zeros(n, n, dtype=torch.float64).index_put_((row, col), value, accumulate=True)
    torch.testing.assert_close(fast.to_dense(), expected)
    # from_coo picks the bucket path on the CPU for float values without a gradient
    torch.testing.assert_close(SparseMatrix.from_coo(row, col, value, (n, n)).to_dense(), expected)
