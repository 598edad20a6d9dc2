"""ROC AUC and average precision in torch against scikit-learn, ties included."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from gcnlab.tasks.link_metrics import average_precision, roc_auc


def _sklearn(pos: torch.Tensor, neg: torch.Tensor) -> tuple[float, float]:
    labels = np.r_[np.ones(pos.numel()), np.zeros(neg.numel())]
    scores = np.r_[pos.numpy(), neg.numpy()]
    return roc_auc_score(labels, scores), average_precision_score(labels, scores)


@pytest.mark.parametrize("ties", [False, True])
def test_equal_to_sklearn(ties: bool) -> None:
    gen = torch.Generator().manual_seed(0)
    for _ in range(50):
        num_pos, num_neg = (int(v) for v in torch.randint(1, 40, (2,), generator=gen))
        if ties:  # few distinct values: many tie groups, some mixing both labels
            pos = torch.randint(0, 5, (num_pos,), generator=gen).float()
            neg = torch.randint(0, 5, (num_neg,), generator=gen).float()
        else:
            pos = torch.randn(num_pos, generator=gen) + 0.7
            neg = torch.randn(num_neg, generator=gen)
        auc, ap = _sklearn(pos, neg)
        assert roc_auc(pos, neg).item() == pytest.approx(auc, abs=1e-12)
        assert average_precision(pos, neg).item() == pytest.approx(ap, abs=1e-12)


def test_hand_computed_values() -> None:
    # pos (3, 1), neg (2, 0): pairs won 3>2, 3>0, 1<2, 1>0 -> AUC 3/4.
    # Thresholds from the top: 3 (P=1, R=1/2), 2 (P=1/2), 1 (P=2/3, R=1) -> AP 1/2 + 1/2 * 2/3
    pos, neg = torch.tensor([3.0, 1.0]), torch.tensor([2.0, 0.0])
    assert roc_auc(pos, neg).item() == pytest.approx(0.75)
    assert average_precision(pos, neg).item() == pytest.approx(0.5 + 1 / 3)
    # all tied: AUC one half; AP is the share of positives (one threshold admits everything)
    same = torch.zeros(3)
    assert roc_auc(same, torch.zeros(1)).item() == pytest.approx(0.5)
    assert average_precision(same, torch.zeros(1)).item() == pytest.approx(0.75)


def test_perfect_and_reversed_ranking() -> None:
    pos, neg = torch.tensor([5.0, 4.0]), torch.tensor([1.0, 0.0, -1.0])
    assert roc_auc(pos, neg).item() == 1.0 and average_precision(pos, neg).item() == 1.0
    assert roc_auc(neg, pos).item() == 0.0


def test_result_stays_on_the_input_device_as_float64() -> None:
    out = roc_auc(torch.tensor([1.0]), torch.tensor([0.0]))
    assert out.dtype == torch.float64 and out.dim() == 0 and out.device.type == "cpu"


@pytest.mark.gpu
def test_cuda_equal_to_cpu() -> None:
    gen = torch.Generator().manual_seed(1)
    pos, neg = torch.randn(500, generator=gen) + 1, torch.randn(500, generator=gen).round()
    for metric in (roc_auc, average_precision):
        on_gpu = metric(pos.cuda(), neg.cuda())
        assert on_gpu.device.type == "cuda"
        assert on_gpu.item() == pytest.approx(metric(pos, neg).item(), abs=1e-12)
