"""`gcnlab evaluate`: a checkpoint saved with --save gives back the run's test metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch
from cli_runner import invoke


def test_train_save_then_evaluate(tmp_path: Path) -> None:
    ckpt, run_json, eval_json = tmp_path / "k.pt", tmp_path / "run.json", tmp_path / "ev.json"
    trained = invoke(
        [
            "train",
            "karate",
            "--runs",
            "2",
            "--epochs",
            "30",
            "--lr",
            "0.2",
            "--save",
            str(ckpt),
            "--json",
            str(run_json),
        ],
    )
    assert trained.exit_code == 0, trained.output
    assert f"wrote {ckpt}" in trained.output
    result = invoke(["evaluate", str(ckpt), "--device", "cpu", "--json", str(eval_json)])
    assert result.exit_code == 0, result.output
    reported = re.search(r"test accuracy ([\d.]+ ± [\d.]+) %", trained.output).group(1)
    assert f"karate gcn: test accuracy {reported} % over 2 runs (cpu)" in result.output
    assert "equal to the metrics the run reported" in result.output
    run, ev = json.loads(run_json.read_text()), json.loads(eval_json.read_text())
    assert ev["metrics"]["test_acc"] == run["test_acc"] and ev["matches"] is True
    assert ev["mean"]["test_acc"] == run["test_acc_mean"]

    # the report must not overwrite the checkpoint it comes from, by any name
    saved = ckpt.read_bytes()
    alias = tmp_path / "alias.pt"
    alias.symlink_to(ckpt)
    for json_path in (ckpt, alias):
        result = invoke(["evaluate", ckpt, "--device", "cpu", "--json", json_path])
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"error: --json {json_path} is the same file as the checkpoint {ckpt}; "
            f"writing it would destroy the input: give another path\n"
        )
        assert ckpt.read_bytes() == saved


def test_linkpred_save_then_evaluate(tmp_path: Path) -> None:
    ckpt, run_json = tmp_path / "l.pt", tmp_path / "run.json"
    trained = invoke(
        [
            "linkpred",
            "karate",
            "--model",
            "vgae",
            "--runs",
            "2",
            "--epochs",
            "20",
            "--save",
            str(ckpt),
            "--json",
            str(run_json),
        ],
    )
    assert trained.exit_code == 0, trained.output
    result = invoke(["evaluate", str(ckpt)])
    assert result.exit_code == 0, result.output
    run = json.loads(run_json.read_text())
    assert (
        f"karate vgae: test AUC {100 * run['auc_mean']:.1f} ± {100 * run['auc_std']:.1f}, "
        f"AP {100 * run['ap_mean']:.1f}"
    ) in result.output
    assert "equal to the metrics the run reported" in result.output


def test_digits_save_then_evaluate(tmp_path: Path) -> None:
    ckpt = tmp_path / "digits.pt"
    args = ["--epochs", "1", "--runs", "1", "--channels", "4", "--device", "cpu"]
    trained = invoke(["digits", *args, "--save", str(ckpt)])
    assert trained.exit_code == 0, trained.output
    reported = re.search(r"test accuracy ([\d.]+) % over 1 run", trained.output).group(1)
    result = invoke(["evaluate", str(ckpt), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"digits cnn-gridconv: test accuracy {reported} % over 1 run (" in result.output
    assert "equal to the metrics the run reported" in result.output


def test_refusals_are_one_line(tmp_path: Path) -> None:
    result = invoke(["evaluate", str(tmp_path / "none.pt")])
    assert result.exit_code == 2 and "error: no checkpoint at" in result.output
    plain = tmp_path / "plain.pt"
    torch.save({"w": torch.ones(1)}, plain)
    result = invoke(["evaluate", str(plain)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {plain} is not a gcnlab checkpoint "
        f"(no 'gcnlab-checkpoint' tag); save one with --save"
    )


def test_save_path_is_checked_before_training(tmp_path: Path) -> None:
    result = invoke(["train", "karate", "--save", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder; give a file path" in result.output
