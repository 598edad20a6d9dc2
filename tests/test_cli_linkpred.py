"""The command line: `gcnlab linkpred`, its options, JSON and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from cli_runner import invoke


def test_linkpred_karate_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "link.json"
    result = invoke(
        [
            "linkpred",
            "karate",
            "--model",
            "vgae",
            "--runs",
            "2",
            "--epochs",
            "30",
            "--device",
            "cpu",
            "--json",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "karate VGAE: test AUC" in result.output and "over 2 runs" in result.output
    assert "(dense loss," in result.output and "cpu)" in result.output
    payload = json.loads(out.read_text())
    for key in (
        "dataset",
        "task",
        "model",
        "runs",
        "seeds",
        "auc",
        "ap",
        "auc_mean",
        "auc_std",
        "ap_mean",
        "ap_std",
        "epochs",
        "seconds",
        "device",
        "config",
        "versions",
    ):
        assert key in payload, key
    assert (payload["dataset"], payload["task"], payload["model"]) == ("karate", "link", "vgae")
    assert payload["runs"] == 2 and payload["seeds"] == [0, 1] and payload["device"] == "cpu"
    assert len(payload["auc"]) == len(payload["ap"]) == 2
    assert all(0 <= v <= 1 for v in payload["auc"] + payload["ap"])
    assert payload["auc_mean"] == pytest.approx(sum(payload["auc"]) / 2)
    assert payload["epochs"] == [30, 30]
    assert [len(run["val_auc"]) for run in payload["history"]] == [30, 30]
    assert not any(key.startswith("test") for key in payload["history"][0])


def test_options_reach_the_library(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    import gcnlab.tasks.link as lp

    seen = {}

    def fake_train_link(config, on_epoch=None):  # noqa: ANN001, ANN202
        seen["config"] = config
        return lp.LinkResult(
            dataset=config.dataset,
            model=config.model,
            runs=1,
            seeds=[config.seed],
            auc=[0.9],
            ap=[0.8],
            auc_mean=0.9,
            auc_std=0.0,
            ap_mean=0.8,
            ap_std=0.0,
            val_auc=[0.9],
            val_ap=[0.8],
            best_epoch=[3],
            epochs=[config.epochs],
            reconstruction="sampled",
            seconds=0.1,
            device="cpu",
            config={},
        )

    monkeypatch.setattr(lp, "train_link", fake_train_link)
    result = invoke(
        [
            "linkpred",
            "citeseer",
            "--model",
            "VGAE",
            "--epochs",
            "7",
            "--hidden",
            "8",
            "--latent",
            "4",
            "--lr",
            "0.02",
            "--loss",
            "sampled",
            "--features",
            "none",
            "--runs",
            "1",
            "--seed",
            "3",
            "--split-seed",
            "11",
            "--device",
            "cpu",
            "--root",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 0, result.output
    config = seen["config"]
    assert (config.dataset, config.model, config.epochs, config.hidden, config.latent) == (
        "citeseer",
        "vgae",
        7,
        8,
        4,
    )
    assert (config.lr, config.loss, config.features, config.runs, config.seed) == (
        0.02,
        "sampled",
        "none",
        1,
        3,
    )
    assert (config.split_seed, config.device, config.root) == (11, "cpu", str(tmp_path))
    assert "citeseer VGAE: test AUC 90.0, AP 80.0 % over 1 run" in result.output


@pytest.mark.parametrize(
    "args,match",
    [
        (["linkpred", "nosuch"], "unknown dataset 'nosuch'"),
        (["linkpred", "karate", "--model", "gcn"], "'gcn' is not one of 'gae', 'vgae'"),
        (
            ["linkpred", "karate", "--loss", "full"],
            "'full' is not one of 'auto', 'dense', 'sampled'",
        ),
        (
            ["linkpred", "karate", "--features", "x"],
            "'x' is not one of 'raw', 'normalized', 'none'",
        ),
        (["linkpred", "karate", "--lr", "-1"], "lr must be a positive number"),
        (["linkpred", "karate", "--device", "tpu"], "'tpu' is not one of 'auto', 'cpu', 'cuda'"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], match: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert match in result.output and "Traceback" not in result.output


def test_unwritable_json_is_refused_before_training(tmp_path: Path) -> None:
    result = invoke(["linkpred", "karate", "--json", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_a_gpu_is_a_usage_error() -> None:
    result = invoke(["linkpred", "karate", "--device", "cuda"])
    assert result.exit_code == 2 and "no CUDA GPU is available" in result.output


@pytest.mark.gpu
def test_linkpred_on_cuda_names_the_device(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    result = invoke(
        [
            "linkpred",
            "karate",
            "--runs",
            "1",
            "--epochs",
            "20",
            "--device",
            "cuda",
            "--json",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["device"].startswith("cuda") and "cuda" in result.output
