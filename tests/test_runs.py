"""run_seeds: the seeded-runs loop shared by node classification, link prediction and digits."""

from __future__ import annotations

import re

import pytest
import torch

from gcnlab import DigitsConfig, LinkConfig, NodeConfig, UsageError
from gcnlab.train.loop import MAX_RUNS, raise_first_failure, run_checks, run_seeds


def _outcome(seed: int):  # noqa: ANN202
    return f"best-{seed}", [f"epoch-{seed}"], {"w": torch.tensor([float(seed)])}


def test_collects_every_run_in_order() -> None:
    runs = run_seeds([3, 4, 5], lambda run, seed, _: _outcome(seed), describe=str)
    assert runs.seeds == [3, 4, 5] and runs.picked == ["best-3", "best-4", "best-5"]
    assert runs.histories == [["epoch-3"], ["epoch-4"], ["epoch-5"]]
    assert [float(s["w"]) for s in runs.states] == [3.0, 4.0, 5.0]
    assert not runs.partial


def test_setup_gets_the_run_and_is_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    import gcnlab.train.loop as loop

    # a clock that moves only when told: set-up takes 100 s, training 1 s, on any machine
    now = [0.0]
    monkeypatch.setattr(loop, "time", type("Clock", (), {"perf_counter": lambda: now[0]}))
    seen = []

    def setup(run: int) -> str:
        now[0] += 100.0
        return f"task-{run}"

    def train(run: int, seed: int, task: str):  # noqa: ANN202
        seen.append((run, seed, task))
        now[0] += 1.0
        return _outcome(seed)

    runs = run_seeds([7, 8], train, describe=str, setup=setup)
    assert seen == [(0, 7, "task-0"), (1, 8, "task-1")]
    assert runs.seconds == 2.0  # the two training calls; the set-ups are excluded


@pytest.mark.parametrize("where", ["training", "setup"])
def test_interrupt_after_a_finished_run_keeps_it(where: str) -> None:
    def setup(run: int) -> None:
        if where == "setup" and run == 1:
            raise KeyboardInterrupt

    def train(run: int, seed: int, _):  # noqa: ANN001, ANN202
        if where == "training" and run == 1:
            raise KeyboardInterrupt
        return _outcome(seed)

    runs = run_seeds([0, 1, 2], train, describe=str, setup=setup)
    assert runs.partial and runs.seeds == [0] and len(runs.states) == 1


def test_interrupt_in_the_first_run_propagates() -> None:
    def train(run: int, seed: int, _):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_seeds([0, 1], train, describe=str)


@pytest.mark.parametrize("kwargs,match", [
    (dict(epochs=0), "epochs must be between 1 and 1000000, got 0"),
    (dict(runs=0), "runs must be between 1 and 10000, got 0"),
    (dict(runs=MAX_RUNS + 1), f"runs must be between 1 and {MAX_RUNS}"),
    (dict(lr=float("nan")), "lr must be a positive number up to 1e+30, got nan"),
    (dict(lr=-0.1), "lr must be a positive number"),
    (dict(lr=1e38), "lr must be a positive number up to 1e+30, got 1e+38"),
    (dict(seed=-1), "seed must be between 0 and 4294967295, got -1"),
    (dict(seed=2**63), "seed must be between 0 and 4294967295"),
])
def test_run_checks_refuse_out_of_range(kwargs: dict, match: str) -> None:
    values = dict(epochs=10, runs=3, lr=0.01, seed=0) | kwargs
    with pytest.raises(UsageError, match=re.escape(match)):
        raise_first_failure(run_checks(**values))
    raise_first_failure(run_checks(epochs=10, runs=MAX_RUNS, lr=0.01, seed=0))  # the edge holds


@pytest.mark.parametrize("config", [
    LinkConfig(dataset="karate", runs=10**12),
    DigitsConfig(runs=10**12),
    NodeConfig(dataset="karate", runs=10**12),
], ids=["link", "digits", "node"])
def test_every_training_config_bounds_runs(config: object) -> None:
    with pytest.raises(UsageError, match="runs must be between 1 and"):
        config.validate()
