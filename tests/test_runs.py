"""run_seeds: the seeded-runs loop shared by node classification, link prediction and digits."""

from __future__ import annotations

import time

import pytest
import torch

from gcnlab.runs import run_seeds


def _outcome(seed: int):  # noqa: ANN202
    return f"best-{seed}", [f"epoch-{seed}"], {"w": torch.tensor([float(seed)])}


def test_collects_every_run_in_order() -> None:
    runs = run_seeds([3, 4, 5], lambda run, seed, _: _outcome(seed), describe=str)
    assert runs.seeds == [3, 4, 5] and runs.picked == ["best-3", "best-4", "best-5"]
    assert runs.histories == [["epoch-3"], ["epoch-4"], ["epoch-5"]]
    assert [float(s["w"]) for s in runs.states] == [3.0, 4.0, 5.0]
    assert not runs.partial


def test_setup_gets_the_run_and_is_not_timed() -> None:
    seen = []

    def setup(run: int) -> str:
        time.sleep(0.2)
        return f"task-{run}"

    def train(run: int, seed: int, task: str):  # noqa: ANN202
        seen.append((run, seed, task))
        return _outcome(seed)

    runs = run_seeds([7, 8], train, describe=str, setup=setup)
    assert seen == [(0, 7, "task-0"), (1, 8, "task-1")]
    assert runs.seconds < 0.2  # the two 0.2 s set-ups are excluded


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
