"""Every way a command can be misused or fail: one line on stderr, exit 2 (usage) or 1 (failed
run), never a traceback unless ``--debug`` asks for it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import gcnlab.cli  # noqa: F401 (registers the commands)
from gcnlab.cli.app import app
from gcnlab.errors import UsageError

runner = CliRunner()


def _one_error_line(result, code: int, pattern: str) -> None:  # noqa: ANN001
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.stdout + result.stderr


USAGE = {
    "unknown dataset": (["train", "nope"],
                        r"unknown dataset 'nope'; choose one of: cora, citeseer, pubmed, karate"),
    "negative lr": (["train", "karate", "--lr", "-0.01"], r"lr must be a positive number"),
    "nan lr": (["train", "karate", "--lr", "nan"],
               r"lr must be a positive number up to 10, got nan"),
    "dropout 1": (["train", "karate", "--dropout", "1"], r"dropout must be in \[0, 1\), got 1"),
    "dropout < 0": (["train", "karate", "--dropout", "-0.1"], r"dropout must be in \[0, 1\)"),
    "zero runs": (["train", "karate", "--runs", "0"], r"runs must be between 1 and 10000, got 0"),
    "zero epochs": (["train", "karate", "--epochs", "0"],
                    r"epochs must be between 1 and 1000000, got 0"),
    "unknown select": (["train", "karate", "--select", "best_test"], r"select must be one of"),
    "unknown device": (["train", "karate", "--device", "tpu"],
                       r"unknown device 'tpu'; choose one of: auto, cpu, cuda"),
    # Click's own errors, which Typer would print as a multi-line panel.
    "not a number": (["train", "karate", "--epochs", "abc"],
                     r"Invalid value for '--epochs'.*\(see 'gcnlab train --help'\)"),
    "missing value": (["train", "karate", "--epochs"], r"Option '--epochs' requires an argument"),
    "unknown option": (["train", "karate", "--epoch", "3"], r"No such option: --epoch"),
    "extra argument": (["train", "karate", "cora"], r"unexpected extra argument"),
    "unknown command": (["trian"], r"No such command 'trian'"),
}


@pytest.mark.parametrize("case", list(USAGE))
def test_usage_error_is_one_line_and_exit_2(case: str) -> None:
    args, pattern = USAGE[case]
    _one_error_line(runner.invoke(app, args), 2, pattern)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_without_a_gpu_is_a_usage_error() -> None:
    _one_error_line(runner.invoke(app, ["train", "karate", "--device", "cuda"]), 2,
                    r"device 'cuda' asked for, but no CUDA GPU is available; use --device cpu")


def test_output_path_that_is_a_folder(tmp_path: Path) -> None:
    _one_error_line(runner.invoke(app, ["train", "karate", "--json", str(tmp_path)]), 2,
                    r"is a folder; give a file path")


def test_output_path_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(app, ["train", "karate", "--json", str(blocker / "out.json")])
    _one_error_line(result, 2, r"cannot write .*out\.json: .*file is not a folder")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permission bits do not stop root")
def test_output_path_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    result = runner.invoke(app, ["train", "karate", "--json", str(folder / "out.json")])
    _one_error_line(result, 2, r"cannot write .*out\.json: .*ro is not writable")


def test_missing_data_files_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(url: str, timeout: float = 0) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    result = runner.invoke(app, ["train", "cora", "--root", str(tmp_path), "--device", "cpu"])
    _one_error_line(result, 1, r"Cora files missing in .*ind\.cora\.x.* Go online and run again")


def test_corrupted_data_file(planetoid_root: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(planetoid_root / "Cora", tmp_path / "Cora")
    (tmp_path / "Cora" / "raw" / "ind.cora.y").write_bytes(b"\x80\x02garbage")
    result = runner.invoke(app, ["train", "cora", "--root", str(tmp_path), "--device", "cpu"])
    _one_error_line(result, 1, r"ind\.cora\.y: SHA-256 .* Delete it and run again")


def test_diverging_training_stops_with_a_message(tmp_path: Path, diverge_at) -> None:  # noqa: ANN001
    from gcnlab.tasks.node import NodeTask

    diverge_at(NodeTask, 5)
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["train", "karate", "--runs", "1",
                                 "--device", "cpu", "--json", str(out)])
    _one_error_line(result, 1, r"training diverged at epoch \d+ of run 1 .* lower the learning")
    assert not out.exists()  # no result made of NaN


def test_debug_reraises_instead_of_one_line() -> None:
    result = runner.invoke(app, ["--debug", "train", "nope"])
    assert isinstance(result.exception, UsageError)
    assert "unknown dataset" in str(result.exception)


def test_debug_prints_the_traceback_from_the_real_script(tmp_path: Path) -> None:
    debug = subprocess.run([sys.executable, "-m", "gcnlab", "--debug", "train", "nope"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == (
        "gcnlab.errors.UsageError: unknown dataset 'nope'; choose one of: cora, citeseer, pubmed, "
        "karate")


def test_help_and_version_still_exit_0() -> None:
    result = runner.invoke(app, ["train", "--help"])
    assert result.exit_code == 0 and "Usage: gcnlab train" in result.stdout
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("gcnlab ")


def test_no_arguments_shows_the_help() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Usage: gcnlab" in result.stdout + result.stderr
    assert "train" in result.stdout + result.stderr
