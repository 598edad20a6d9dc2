"""What the training commands do with --json, --save and --plots: special files are written
through (never replaced), write errors are exit 1 with the reason, and two outputs that are one
file are refused before any training."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import invoke

import gcnlab.tasks.node as node

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")

QUICK = ["--runs", "1", "--epochs", "3", "--device", "cpu"]


def _is_char_device(path: str) -> bool:
    return os.path.exists(path) and stat.S_ISCHR(os.stat(path).st_mode)


@pytest.mark.skipif(not _is_char_device("/dev/null"), reason="no /dev/null")
def test_dev_null_stays_a_device() -> None:
    # (--plots files go through the same atomic_write_bytes; tests/test_files.py covers links)
    null = os.stat("/dev/null")
    result = invoke(["train", "karate", *QUICK, "--json", "/dev/null", "--save", "/dev/null"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("wrote /dev/null") == 2
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == null.st_rdev


@pytest.mark.skipif(not _is_char_device("/dev/full"), reason="no /dev/full")
def test_a_full_disk_is_exit_1_with_the_reason() -> None:
    result = invoke(["train", "karate", *QUICK, "--json", "/dev/full"])
    assert result.exit_code == 1
    assert result.stderr == "error: /dev/full: No space left on device\n"
    assert _is_char_device("/dev/full")


def test_json_to_stdout_through_a_link(tmp_path: Path) -> None:
    # /dev/stdout itself is such a link (to /proc/self/fd/1); this one is the test's own, so a
    # failure cannot damage the machine's /dev/stdout.
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd")
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    run = subprocess.run(
        [sys.executable, "-m", "gcnlab", "train", "karate", *QUICK, "--json", str(stdout)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    # stdout holds the result alone, for a JSON reader; the lines for people go to stderr
    assert json.loads(run.stdout)["dataset"] == "karate"
    summary, wrote = run.stderr.splitlines()
    assert summary.startswith("karate: test accuracy")
    assert wrote == f"wrote {stdout}"
    assert stdout.is_symlink() and os.readlink(stdout) == "/proc/self/fd/1"


@pytest.mark.parametrize("target", ["/dev/stdout", "/proc/self/fd/1"])
def test_json_to_stdout_parses_in_process(
    target: str, capfd: pytest.CaptureFixture[str]
) -> None:
    if not os.path.exists(target):
        pytest.skip(f"no {target}")
    result = invoke(["train", "karate", "--epochs", "2", "--runs", "1", "--device", "cpu",
                     "--json", target])
    assert result.exit_code == 0, result.output
    # the JSON goes to file descriptor 1 (captured by capfd), every human line to stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"wrote {target}"
    payload = json.loads(capfd.readouterr().out)
    assert payload["dataset"] == "karate" and payload["runs"] == 1


def test_karate_table_goes_to_stderr_with_json_on_stdout(
    capfd: pytest.CaptureFixture[str],
) -> None:
    result = invoke(["karate", "--epochs", "2", "--runs", "1", "--communities", "factions",
                     "--json", "/dev/stdout"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "karate club" in result.stderr
    assert json.loads(capfd.readouterr().out)["factions"]["runs"] == 1


def _no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr(node, "train_node", refuse)


def test_json_and_save_to_one_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_training(monkeypatch)
    real = tmp_path / "out"
    alias = tmp_path / "alias"
    alias.symlink_to(real)
    for save in (real, alias, tmp_path / "sub" / ".." / "out"):
        result = invoke(["train", "karate", "--json", real, "--save", save])
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"error: --json and --save are the same file ({real}); the "
            f"checkpoint would overwrite the result: give two paths\n"
        )
    assert not real.exists()


def test_a_piped_table_is_not_wrapped_at_80_columns() -> None:
    """Written to a pipe (as here), a table keeps its natural width: each row on one line."""
    from cli_runner import invoke

    result = invoke(["karate", "--epochs", "2", "--runs", "1", "--communities", "factions"])
    assert result.exit_code == 0, result.output
    header = [line for line in result.stdout.splitlines() if "labelled members" in line]
    assert len(header) == 1 and "trained: accuracy on the others" in header[0]
    assert max(len(line) for line in result.stdout.splitlines()) > 80
    assert "±" not in result.stdout  # one run has no spread


def test_one_cluster_run_prints_no_spread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_runner import invoke

    monkeypatch.chdir(tmp_path)  # an unlabeled graph's clusters file goes to the current folder
    edges = tmp_path / "e.csv"
    edges.write_text("".join(f"{i},{(i + 1) % 12}\n" for i in range(12)))
    result = invoke(["cluster", str(edges), "--method", "spectral", "--k", "2", "--runs", "1"])
    assert result.exit_code == 0, result.output
    assert "±" not in result.output
