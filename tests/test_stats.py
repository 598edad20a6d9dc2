"""gcnlab.utils.stats: mean, sample standard deviation and standard error, by hand."""

from __future__ import annotations

import math

import pytest

from gcnlab.utils.stats import mean_std, standard_error


def test_mean_std_and_standard_error_by_hand() -> None:
    values = [78.0, 80.0, 82.0, 84.0]  # mean 81, squared deviations 9 + 1 + 1 + 9 = 20
    mean, std = mean_std(values)
    assert mean == 81.0 and std == pytest.approx(math.sqrt(20 / 3))
    assert standard_error(values) == pytest.approx(math.sqrt(20 / 3) / 2)  # / sqrt(4)


def test_few_values() -> None:
    assert mean_std([5.0]) == (5.0, 0.0) and standard_error([5.0]) == 0.0
    assert all(math.isnan(v) for v in (*mean_std([]), standard_error([])))
