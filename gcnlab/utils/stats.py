"""Summary statistics for results over seeds."""

from __future__ import annotations

import math


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0.0 for fewer than two values)."""
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def standard_error(values: list[float]) -> float:
    """The standard error of the mean: sample standard deviation / √n (0.0 for one value, NaN
    for none). The GCN paper reports its random-split row with it."""
    if not values:
        return math.nan
    return mean_std(values)[1] / math.sqrt(len(values))
