"""The command line: `gcnlab train`, `gcnlab datasets`, exit codes and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import invoke


def test_train_karate_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "result.json"
    result = invoke(["train", "karate", "--runs", "2", "--epochs", "50", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "karate: test accuracy" in result.output and "over 2 runs" in result.output
    payload = json.loads(out.read_text())
    for key in (
        "dataset",
        "task",
        "model",
        "runs",
        "seeds",
        "test_acc",
        "test_acc_mean",
        "test_acc_std",
        "epochs",
        "seconds",
        "device",
        "config",
        "versions",
    ):
        assert key in payload, key
    assert payload["task"] == "node" and payload["model"] == "gcn" and payload["runs"] == 2
    assert payload["seeds"] == [0, 1] and len(payload["test_acc"]) == 2
    assert all(0 <= a <= 1 for a in payload["test_acc"])
    assert payload["config"]["epochs"] == 50 and payload["device"] == "cpu"
    assert "torch" in payload["versions"]
    # every epoch of every run, without per-epoch test metrics
    assert [len(run["epoch"]) for run in payload["history"]] == payload["epochs"]
    assert set(payload["history"][0]) == {"epoch", "loss", "train_acc", "val_loss", "val_acc"}


def test_train_cora_options_reach_the_library(planetoid_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "cora.json"
    result = invoke(
        [
            "train",
            "cora",
            "--root",
            str(planetoid_root),
            "--runs",
            "1",
            "--epochs",
            "15",
            "--hidden",
            "8",
            "--lr",
            "0.02",
            "--dropout",
            "0.3",
            "--weight-decay",
            "0.001",
            "--patience",
            "0",
            "--seed",
            "7",
            "--device",
            "cpu",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    config = payload["config"]
    assert (
        config["hidden"],
        config["lr"],
        config["dropout"],
        config["weight_decay"],
        config["patience"],
    ) == (8, 0.02, 0.3, 0.001, 0)
    assert payload["seeds"] == [7] and payload["epochs"] == [15]


@pytest.mark.parametrize(
    "args,code,match",
    [
        (["train", "nosuch"], 2, "unknown dataset 'nosuch'; choose one of: cora"),
        (["train", "karate", "--lr", "-1"], 2, "lr must be a positive number"),
        (["train", "karate", "--dropout", "1.5"], 2, "dropout must be in [0, 1)"),
        (["train", "karate", "--runs", "0"], 2, "Invalid value for '--runs'"),
        (["train", "karate", "--device", "tpu"], 2, "Invalid value for '--device'"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], code: int, match: str) -> None:
    result = invoke(args)
    assert result.exit_code == code
    assert match in result.output
    assert "Traceback" not in result.output


def test_missing_files_fail_with_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gcnlab.data import planetoid
    from gcnlab.errors import DataError

    def offline(root, name, timeout=30.0):  # noqa: ANN001
        raise DataError(planetoid._missing_message(root, name, "offline"))

    monkeypatch.setattr(planetoid, "download", offline)
    result = invoke(["train", "cora", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "Cora files missing" in result.output and "Traceback" not in result.output


def test_datasets_lists_status(planetoid_root: Path) -> None:
    result = invoke(["datasets", "--root", str(planetoid_root)])
    assert result.exit_code == 0
    for text in ("cora", "citeseer", "pubmed", "karate", "ready", "built in", "missing"):
        assert text in result.output


def test_help_imports_no_torch() -> None:
    # what keeps --help fast: the command line answers it without importing torch
    code = "import sys; import gcnlab.cli.app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "import sys; from gcnlab.cli import main; "
    code += "main(['--help']); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in out.stdout and out.stdout.strip().endswith("False")


def test_public_api_is_complete() -> None:
    import gcnlab

    for name in gcnlab.__all__:
        assert getattr(gcnlab, name) is not None, name
    code = (
        "import sys, gcnlab; gcnlab.GCNConv; "
        "print('typer' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_type_checking_imports_are_the_exports() -> None:
    """The eager imports for type checkers name the same objects, from the same modules, as the
    lazy table the package uses at run time."""
    import ast

    import gcnlab

    tree = ast.parse(Path(gcnlab.__file__).read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    )
    imported = {a.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
                for a in node.names}
    assert imported == gcnlab._EXPORTS


def test_every_config_is_public_without_torch() -> None:
    code = (
        "import sys, gcnlab\n"
        "for name in gcnlab.__all__:\n"
        "    if name.endswith('Config'): getattr(gcnlab, name)\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "sgc", "--alpha", "0.2"], "--model sgc does not use --alpha"),
        (["--model", "appnp", "--theta", "0.5", "--layers", "3"], "does not use --layers, --theta"),
        (["--model", "gcn", "--k", "3"], "--model gcn does not use --k"),
        (["--model", "appnp", "--alpha", "0"], "alpha must be in (0, 1], got 0.0"),
        (["--model", "gcnii", "--alpha", "1.5"], "alpha must be in (0, 1], got 1.5"),
        (["--model", "sgc", "--k", "0"], "Invalid value for '--k'"),
        (["--model", "gcnii", "--layers", "0"], "Invalid value for '--layers'"),
        (["--model", "gat"], "'gat' is not one of 'gcn', 'sgc', 'appnp', 'gcnii'"),
        (["--model", "sgc", "--batch", "clusters"], "--model sgc does not use --batch"),
    ],
)
def test_family_options_are_checked(args: list[str], message: str) -> None:
    result = invoke(["train", "karate", "--epochs", "2", *args])
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("model", ["sgc", "appnp", "gcnii"])
def test_family_model_trains_with_its_papers_settings(model: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    extra = ["--layers", "3"] if model == "gcnii" else []
    args = ["train", "karate", "--model", model, "--epochs", "5", "--runs", "1", *extra]
    result = invoke([*args, "--json", str(out), "--save", str(tmp_path / "run.pt")])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    config = payload["config"]
    assert payload["model"] == model and config["model"] == model and config["epochs"] == 5
    expected = {
        "sgc": {"lr": 0.2, "k": 2, "weight_decay": 1.3e-5, "select": "last", "alpha": None},
        "appnp": {"lr": 0.01, "k": 10, "alpha": 0.1, "hidden": 64, "weight_decay": 5e-3},
        "gcnii": {"layers": 3, "alpha": 0.1, "theta": 0.5, "conv_weight_decay": 0.01,
                  "dropout": 0.6, "select": "val_loss"},
    }[model]
    assert {k: config[k] for k in expected} == expected
    # the checkpoint rebuilds the model from its config
    evaluated = invoke(["evaluate", str(tmp_path / "run.pt")])
    assert evaluated.exit_code == 0 and "equal to the metrics the run reported" in evaluated.output


def test_family_model_figures_are_named_for_the_model(tmp_path: Path) -> None:
    args = ["train", "karate", "--model", "sgc", "--epochs", "5", "--runs", "1"]
    result = invoke([*args, "--plots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "karate_sgc_curves.png",
        "karate_sgc_tsne.png",
    ]
