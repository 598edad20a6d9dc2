"""gcnlab.dropout / gcnlab.Dropout on dense and SparseMatrix features, against F.dropout."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gcnlab import Dropout, SparseMatrix, dropout


def _features() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(200, 100) * (torch.rand(200, 100) < 0.2)  # like bag-of-words: 80 % zeros


def _dense(x: torch.Tensor | SparseMatrix) -> torch.Tensor:
    return x.to_dense() if isinstance(x, SparseMatrix) else x


@pytest.mark.parametrize("kind", ["dense", "sparse_matrix"])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_keeps_one_minus_p_and_scales_by_its_inverse(kind: str, p: float) -> None:
    x = _features()
    nonzero = x != 0
    inp = SparseMatrix.from_tensor(x) if kind == "sparse_matrix" else x
    torch.manual_seed(1)
    out = dropout(inp, p)
    assert type(out) is type(inp)
    y = _dense(out)
    assert torch.equal(y[~nonzero], torch.zeros_like(y[~nonzero]))  # zeros stay zero
    kept = y[nonzero] != 0
    assert abs(float(kept.float().mean()) - (1 - p)) < 0.04  # ~4000 non-zeros: 5 sigma at p=.5
    torch.testing.assert_close(y[nonzero][kept], x[nonzero][kept] / (1 - p))


@pytest.mark.parametrize("kind", ["dense", "sparse_matrix"])
def test_same_as_f_dropout_in_expectation(kind: str) -> None:
    x = _features()[:60, :40]
    draws = 400
    torch.manual_seed(2)
    if kind == "sparse_matrix":  # the same pattern every draw: average the stored values
        inp = SparseMatrix.from_tensor(x)
        ours, target = sum(dropout(inp, 0.5).values for _ in range(draws)) / draws, inp.values
    else:
        ours, target = sum(dropout(x, 0.5) for _ in range(draws)) / draws, x
    theirs = sum(F.dropout(x, 0.5) for _ in range(draws)) / draws
    # each mean of 400 draws has standard deviation x / 20: 5 sigma over 2400 entries
    for mean, value in ((ours, target), (theirs, x)):
        assert ((mean - value).abs() <= 5 * value / draws**0.5 + 1e-6).all()


def test_identity_in_eval_mode_and_at_p_zero() -> None:
    x = _features()
    sparse = SparseMatrix.from_tensor(x)
    module = Dropout(0.5).eval()
    assert module(x) is x and module(sparse) is sparse
    assert dropout(x, 0.5, training=False) is x and dropout(sparse, 0.0) is sparse
    module.train()
    torch.manual_seed(3)
    assert not torch.equal(module(x), x)
    assert repr(module) == "Dropout(p=0.5)"


def test_gradient_flows_through_the_kept_entries() -> None:
    x = torch.rand(30, 20, requires_grad=True)
    torch.manual_seed(4)
    y = dropout(x, 0.25)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y != 0).float() / 0.75)


def test_bad_arguments_are_refused() -> None:
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\)"):
            dropout(torch.ones(3), p)
        with pytest.raises(ValueError, match="dropout probability"):
            Dropout(p)
    with pytest.raises(TypeError, match="SparseMatrix.from_tensor"):
        dropout(torch.eye(3).to_sparse(), 0.5)
