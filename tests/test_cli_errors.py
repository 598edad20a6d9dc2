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
from cli_runner import invoke

from gcnlab.errors import UsageError


def _one_error_line(result, code: int, pattern: str) -> None:  # noqa: ANN001
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.stdout + result.stderr


USAGE = {
    "unknown dataset": (
        ["train", "nope"],
        r"unknown dataset 'nope'; choose one of: cora, citeseer, pubmed, karate",
    ),
    "digits is a command": (
        ["train", "digits"],
        r"digits are images, not a graph: use 'gcnlab digits'",
    ),
    "negative lr": (["train", "karate", "--lr", "-0.01"], r"lr must be a positive number"),
    "nan lr": (["train", "karate", "--lr", "nan"], r"Invalid value for '--lr'"),
    "dropout 1": (["train", "karate", "--dropout", "1"], r"dropout must be in \[0, 1\), got 1"),
    "dropout < 0": (["train", "karate", "--dropout", "-0.1"], r"dropout must be in \[0, 1\)"),
    "zero runs": (
        ["train", "karate", "--runs", "0"],
        r"Invalid value for '--runs': .*greater than or equal to 1",
    ),
    "zero epochs": (
        ["train", "karate", "--epochs", "0"],
        r"Invalid value for '--epochs': .*greater than or equal to 1",
    ),
    "unknown select": (
        ["train", "karate", "--select", "best_test"],
        r"Invalid value for '--select'.*'val_acc', 'val_loss', 'last'",
    ),
    "unknown device": (
        ["train", "karate", "--device", "tpu"],
        r"Invalid value for '--device'.*'tpu' is not one of 'auto', 'cpu', 'cuda'",
    ),
    "unknown model": (
        ["linkpred", "karate", "--model", "gat"],
        r"Invalid value for '--model'.*'gae', 'vgae'",
    ),
    # Click's own errors, which Typer would print as a multi-line panel.
    "not a number": (
        ["train", "karate", "--epochs", "abc"],
        r"Invalid value for '--epochs'.*\(see 'gcnlab train --help'\)",
    ),
    "missing value": (["train", "karate", "--epochs"], r"Option '--epochs' requires an argument"),
    "unknown option": (["train", "karate", "--epoch", "3"], r"No such option: --epoch"),
    "extra argument": (["train", "karate", "cora"], r"unexpected extra argument"),
    "unknown command": (["trian"], r"No such command 'trian'"),
}


@pytest.mark.parametrize("case", list(USAGE))
def test_usage_error_is_one_line_and_exit_2(case: str) -> None:
    args, pattern = USAGE[case]
    _one_error_line(invoke(args), 2, pattern)


# Values that would overflow a deeper type (torch's float32 scalars, numpy's and scikit-learn's
# seeds) or need absurd memory: refused by the option's bounds, before any work.
BOUNDS = {
    "seed >= 2**63": (["train", "karate", "--seed", str(2**63)], "--seed"),
    "seed >= 2**32": (["train", "karate", "--seed", str(2**32)], "--seed"),
    "last seed >= 2**32": (
        ["train", "karate", "--seed", str(2**32 - 5), "--runs", "10"],
        r"the last run's seed, seed \+ runs - 1 = 4294967300, is above "
        r"4294967295; lower the seed or the number of runs",
    ),
    "lr 1e38": (["train", "karate", "--lr", "1e38"], "--lr"),
    "weight decay 1e300": (["train", "karate", "--weight-decay", "1e300"], "--weight-decay"),
    "hidden 10**12": (["train", "karate", "--hidden", str(10**12)], "--hidden"),
    "epochs 10**9": (["train", "karate", "--epochs", str(10**9)], "--epochs"),
    "runs 10**12": (["train", "karate", "--runs", str(10**12)], "--runs"),
    "link hidden": (["linkpred", "karate", "--hidden", str(10**7)], "--hidden"),
    "link latent": (["linkpred", "karate", "--latent", str(10**7)], "--latent"),
    "link lr": (["linkpred", "karate", "--lr", "1e38"], "--lr"),
    "link split seed": (["linkpred", "karate", "--split-seed", str(2**63)], "--split-seed"),
    "digits channels": (["digits", "--channels", str(10**6)], "--channels"),
    "digits weight decay": (["digits", "--weight-decay", "1e300"], "--weight-decay"),
    "digits seed": (["digits", "--seed", str(2**63)], "--seed"),
    "reproduce seed": (["reproduce", "gcn", "--seed", str(2**63)], "--seed"),
}


@pytest.mark.parametrize("case", list(BOUNDS))
def test_values_beyond_the_bounds_are_exit_2_before_any_work(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gcnlab.experiments.reproduce
    import gcnlab.tasks.digits
    import gcnlab.tasks.link
    import gcnlab.tasks.node

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("work started")

    for module, name in [
        (gcnlab.tasks.node, "train_node"),
        (gcnlab.tasks.link, "train_link"),
        (gcnlab.tasks.digits, "train_digits"),
        (gcnlab.experiments.reproduce, "reproduce"),
    ]:
        monkeypatch.setattr(module, name, no_work)
    args, pattern = BOUNDS[case]
    _one_error_line(invoke(args), 2, pattern)


def test_bounds_are_stated_in_the_help() -> None:
    from gcnlab.train.bounds import MAX_HIDDEN, MAX_RUNS, MAX_SEED

    text = " ".join(invoke(["train", "--help"]).stdout.split())
    for option, bound in [
        ("--hidden", MAX_HIDDEN),
        ("--runs", MAX_RUNS),
        ("--seed", MAX_SEED),
    ]:
        assert re.search(rf"{option} .*?x<={re.escape(str(bound))}\]", text), option
    # an overflow guard is checked (BOUNDS above) but not offered as a bound
    lr = re.search(r"--lr (.*?)\]", text)
    assert lr is not None and "x<" not in lr.group(1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_without_a_gpu_is_a_usage_error() -> None:
    _one_error_line(
        invoke(["train", "karate", "--device", "cuda"]),
        2,
        r"device 'cuda' asked for, but no CUDA GPU is available; use --device cpu",
    )


def test_output_path_that_is_a_folder(tmp_path: Path) -> None:
    _one_error_line(
        invoke(["train", "karate", "--json", str(tmp_path)]), 2, r"is a folder; give a file path"
    )


def test_output_path_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(["train", "karate", "--json", str(blocker / "out.json")])
    _one_error_line(result, 2, r"cannot write .*out\.json: .*file is not a folder")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="permission bits do not stop root"
)
def test_output_path_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    result = invoke(["train", "karate", "--json", str(folder / "out.json")])
    _one_error_line(result, 2, r"cannot write .*out\.json: .*ro is not writable")


def test_missing_data_files_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(url: str, timeout: float = 0) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    result = invoke(["train", "cora", "--root", str(tmp_path), "--device", "cpu"])
    _one_error_line(result, 1, r"Cora files missing in .*ind\.cora\.x.* Go online and run again")


def test_corrupted_data_file(planetoid_root: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(planetoid_root / "Cora", tmp_path / "Cora")
    (tmp_path / "Cora" / "raw" / "ind.cora.y").write_bytes(b"\x80\x02garbage")
    result = invoke(["train", "cora", "--root", str(tmp_path), "--device", "cpu"])
    _one_error_line(result, 1, r"ind\.cora\.y: SHA-256 .* Delete it and run again")


def test_diverging_training_stops_with_a_message(tmp_path: Path, diverge_at) -> None:  # noqa: ANN001
    from gcnlab.tasks.node import NodeTask

    diverge_at(NodeTask, 5)
    out = tmp_path / "out.json"
    result = invoke(
        ["train", "karate", "--runs", "1", "--device", "cpu", "--json", str(out)]
    )
    _one_error_line(result, 1, r"training diverged at epoch \d+ of run 1 .* lower the learning")
    # Nothing before the error, not even the empty line a stopped progress bar used to leave
    # when stderr is not a terminal.
    assert result.stderr.startswith("error: training diverged")
    assert not out.exists()  # no result made of NaN


@pytest.mark.parametrize(
    "args",
    [["--debug", "train", "nope"], ["train", "nope", "--debug"], ["train", "--debug", "nope"]],
)
def test_debug_reraises_instead_of_one_line(args: list[str]) -> None:
    result = invoke(args)
    assert isinstance(result.exception, UsageError)
    assert "unknown dataset" in str(result.exception)


def test_verbose_after_the_command(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="gcnlab"):
        result = invoke(
            ["train", "karate", "--runs", "1", "--epochs", "2", "--device", "cpu", "-v"]
        )
    assert result.exit_code == 0, result.output
    assert any(
        r.name == "gcnlab.train.loop" and r.getMessage().startswith("run 1 (seed 0)")
        for r in caplog.records
    )


def test_debug_prints_the_traceback_from_the_real_script(tmp_path: Path) -> None:
    debug = subprocess.run(
        [sys.executable, "-m", "gcnlab", "train", "nope", "--debug"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == (
        "gcnlab.errors.UsageError: unknown dataset 'nope'; choose one of: cora, citeseer, pubmed, "
        "karate, or give a graph file (.npz, .csv, .graphml, ...) or a spec "
        "(pyg:Amazon/Computers, ogb:ogbn-arxiv)"
    )


def test_the_script_and_the_tests_see_the_same_exit_codes_and_lines(tmp_path: Path) -> None:
    # Click's errors (an unknown command, a missing argument, a value out of range) and bare
    # `gcnlab` (the help: CliRunner wraps it at 80 columns, a terminal at 78), through
    # `python -m gcnlab` and in-process; none of these needs torch, so the script answers fast
    for args in (["trian"], ["evaluate"], ["filters", "--size", "-1"], []):
        script = subprocess.run(
            [sys.executable, "-m", "gcnlab", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        tested = invoke(args)
        if args:
            assert (script.returncode, script.stdout, script.stderr) == (
                tested.exit_code,
                tested.stdout,
                tested.stderr,
            ), args
        else:
            assert script.returncode == tested.exit_code == 2
            assert (
                script.stderr.split("\n")[0]
                == tested.stderr.split("\n")[0]
                == ("Usage: gcnlab [OPTIONS] COMMAND [ARGS]...")
            )
