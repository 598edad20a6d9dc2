"""train_node: the paper's protocol, early stopping, model selection, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcnlab import NodeConfig, TrainingDiverged, UsageError, train_node
from gcnlab.tasks.node import SELECTIONS, ClassifierStats
from gcnlab.train.loop import window_stop as _should_stop


def _better(stats: ClassifierStats, best: ClassifierStats, select: str) -> bool:
    return SELECTIONS[select].better(stats, best)


def test_karate_learns() -> None:
    result = train_node(NodeConfig(dataset="karate", runs=2, epochs=100, device="cpu"))
    assert result.test_acc_mean > 0.8  # chance is 0.5
    assert result.runs == 2 and result.seeds == [0, 1] and result.task == "node"


def test_cora_short_run_learns(planetoid_root: Path) -> None:
    epochs = []
    result = train_node(
        NodeConfig(dataset="cora", root=str(planetoid_root), runs=1, epochs=30),
        on_epoch=epochs.append,
    )
    assert result.test_acc_mean > 0.6  # chance is ~0.18 (7 classes)
    assert [s.epoch for s in epochs] == list(range(1, result.epochs[0] + 1))
    assert 0 <= result.test_acc[0] <= 1 and result.seconds > 0


def test_runs_are_reproducible() -> None:
    config = NodeConfig(dataset="karate", runs=2, epochs=30, seed=3)
    a, b = train_node(config), train_node(config)
    assert a.test_acc == b.test_acc and a.best_epoch == b.best_epoch


def test_early_stopping_rule_of_the_original_code() -> None:
    flat = [1.0] * 11
    assert _should_stop(flat + [1.1], patience=10)  # 12 values: above the mean of the 10 before
    assert not _should_stop([1.0] * 11, patience=10)  # needs more than patience + 1 values
    assert _should_stop([1.0] * 11 + [1.01], patience=10)  # above the mean of the previous 10
    assert not _should_stop([1.0] * 11 + [0.99], patience=10)
    assert not _should_stop([1.0] * 11 + [5.0], patience=0)  # 0 disables


def test_selection_uses_validation_never_test() -> None:
    good_val = ClassifierStats(0, 5, 0.1, 0.9, val_loss=0.5, val_acc=0.80, test_acc=0.70)
    good_test = ClassifierStats(0, 9, 0.1, 0.9, val_loss=0.6, val_acc=0.78, test_acc=0.95)
    assert not _better(good_test, good_val, "val_acc")
    assert not _better(good_test, good_val, "val_loss")
    assert _better(good_test, good_val, "last")
    tie = ClassifierStats(0, 12, 0.1, 0.9, val_loss=0.4, val_acc=0.80, test_acc=0.5)
    assert _better(tie, good_val, "val_acc")  # equal accuracy: lower validation loss wins


def test_reported_accuracy_is_at_the_selected_epoch(planetoid_root: Path) -> None:
    history: list[ClassifierStats] = []
    result = train_node(
        NodeConfig(dataset="cora", root=str(planetoid_root), runs=1, epochs=40),
        on_epoch=history.append,
    )
    best = max(history, key=lambda s: (s.val_acc, -s.val_loss))
    assert result.best_epoch == [best.epoch] and result.test_acc == [best.test_acc]


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("lr", -0.01, "lr"),
        ("dropout", 1.0, "dropout"),
        ("runs", 0, "runs"),
        ("runs", 10**12, "runs must be between"),
        ("epochs", 0, "epochs"),
        ("dataset", "mnist", "unknown dataset"),
        ("select", "test", "select"),
        ("device", "tpu", "unknown device"),
    ],
)
def test_bad_config_is_refused(field: str, value: object, match: str) -> None:
    config = NodeConfig(**{"dataset": "karate", field: value})
    with pytest.raises(UsageError, match=match):
        train_node(config)


def test_divergence_is_reported(diverge_at) -> None:  # noqa: ANN001
    from gcnlab.tasks.node import NodeTask

    diverge_at(NodeTask, 3)
    with pytest.raises(TrainingDiverged, match="diverged at epoch 3 of run 1 .loss is nan"):
        train_node(NodeConfig(dataset="karate", runs=1, epochs=50))


def test_interrupt_keeps_finished_runs() -> None:
    def interrupt_in_second_run(stats: ClassifierStats) -> None:
        if stats.run == 1 and stats.epoch == 3:
            raise KeyboardInterrupt

    result = train_node(
        NodeConfig(dataset="karate", runs=5, epochs=20), on_epoch=interrupt_in_second_run
    )
    assert result.partial and result.runs == 1 and len(result.test_acc) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name,floor,paper", [("cora", 0.810, 0.815), ("citeseer", 0.698, 0.703)])
def test_paper_accuracy_over_10_seeds(
    planetoid_root: Path, name: str, floor: float, paper: float
) -> None:
    result = train_node(NodeConfig(dataset=name, root=str(planetoid_root), runs=10))
    assert result.test_acc_mean >= floor, f"{name}: {result.test_acc_mean:.4f} (paper {paper})"
