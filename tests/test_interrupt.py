"""Ctrl-C during ``gcnlab train --runs N``: the finished runs are kept, written, marked partial,
and the exit code is 130."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_runner import invoke

import gcnlab.train.loop as runs_module
from gcnlab import ClassifierStats, NodeConfig, train_node

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WAIT_S = 180  # importing torch on a busy 2-core machine can take a while


def _default_sigint() -> None:
    # A child started from a shell's background job inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler; give it the default a terminal user has.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, queue.Queue]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gcnlab", "-v", "train", "karate", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _wait_for(proc: subprocess.Popen, lines: queue.Queue, text: str) -> list[str]:
    """Stderr lines up to the first that contains ``text``."""
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=WAIT_S)
        except queue.Empty:
            proc.kill()
            pytest.fail(f"no {text!r} on stderr within {WAIT_S} s; saw {seen[-5:]}")
        if line is None:
            pytest.fail(f"exited ({proc.wait()}) before {text!r}; stderr: {''.join(seen)}")
        seen.append(line)
        if text in line:
            return seen


def _rest(proc: subprocess.Popen, lines: queue.Queue) -> tuple[int, str, str]:
    code = proc.wait(timeout=WAIT_S)
    stdout = proc.stdout.read()
    stderr = []
    while (line := lines.get(timeout=WAIT_S)) is not None:
        stderr.append(line)
    return code, stdout, "".join(stderr)


def test_ctrl_c_after_a_finished_run_writes_a_partial_result(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc, lines = _start(
        tmp_path,
        "--runs",
        "10000",
        "--epochs",
        "200",
        "--patience",
        "0",
        "--json",
        str(out),
        "--device",
        "cpu",
    )
    try:
        _wait_for(proc, lines, "INFO gcnlab.train.loop: run 1 (seed 0)")
        # The line is logged between runs; let run 2 start (it lasts 200 epochs) so the signal
        # lands inside a run. The gap between runs is test_ctrl_c_between_runs below.
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        code, stdout, stderr = _rest(proc, lines)
    finally:
        proc.kill()
    assert code == 130, stderr
    assert "interrupted: finished runs only" in stdout and f"wrote {out}" in stdout
    assert "Traceback" not in stderr
    result = json.loads(out.read_text())
    assert result["partial"] is True
    assert 1 <= result["runs"] < 100000
    assert len(result["test_acc"]) == len(result["seeds"]) == result["runs"]
    assert all(0.0 <= acc <= 1.0 for acc in result["test_acc"])
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_ctrl_c_before_any_run_finished_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    # One run of a million epochs with early stopping off: interrupted long before it ends.
    proc, lines = _start(
        tmp_path,
        "--runs",
        "3",
        "--epochs",
        "1000000",
        "--patience",
        "0",
        "--json",
        str(out),
        "--device",
        "cpu",
    )
    try:
        _wait_for(proc, lines, "INFO gcnlab.data.builtin: loaded karate")
        proc.send_signal(signal.SIGINT)
        code, _, stderr = _rest(proc, lines)
    finally:
        proc.kill()
    assert code == 130
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert "Traceback" not in stderr
    assert not out.exists()


def test_ctrl_c_inside_a_run_keeps_the_finished_runs() -> None:
    def on_epoch(stats: ClassifierStats) -> None:
        if (stats.run, stats.epoch) == (2, 3):
            raise KeyboardInterrupt

    result = train_node(
        NodeConfig(dataset="karate", runs=5, epochs=10, device="cpu"), on_epoch=on_epoch
    )
    assert result.partial and result.runs == 2
    assert result.seeds == [0, 1] and len(result.test_acc) == len(result.epochs) == 2


def test_ctrl_c_between_runs_keeps_the_finished_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    real = runs_module.log

    class InterruptedAfterRun1:
        def info(self, msg: str, *args: object) -> None:
            if msg.startswith("run %d") and args[0] == 1:
                raise KeyboardInterrupt
            real.info(msg, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    monkeypatch.setattr(runs_module, "log", InterruptedAfterRun1())
    try:
        result = train_node(NodeConfig(dataset="karate", runs=3, epochs=5, device="cpu"))
    except KeyboardInterrupt:  # never let it out: pytest would end the whole session
        raise AssertionError("the interrupt escaped train_node; run 1 was lost") from None
    assert result.partial and result.runs == 1


# --- Ctrl-C at any moment: exit 130, and what was finished is written whole ---------------


def _signal_self_once(real: object) -> object:
    """``real`` (a writer), which first sends this process a SIGINT, as a Ctrl-C would."""
    sent = []

    def writer(*args: object, **kwargs: object) -> object:
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)  # type: ignore[operator]

    return writer


def test_second_ctrl_c_while_writing_keeps_the_finished_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gcnlab.io.results as results
    import gcnlab.tasks.node as node

    real_train = node.train_node

    def interrupted_after_run_1(config: NodeConfig, on_epoch=None):  # noqa: ANN001, ANN202
        def first_ctrl_c(stats: ClassifierStats) -> None:
            if (stats.run, stats.epoch) == (1, 2):
                os.kill(os.getpid(), signal.SIGINT)
            on_epoch(stats)

        return real_train(config, on_epoch=first_ctrl_c)

    monkeypatch.setattr(node, "train_node", interrupted_after_run_1)
    monkeypatch.setattr(results, "write_json", _signal_self_once(results.write_json))
    out = tmp_path / "out.json"
    result = invoke(
        ["train", "karate", "--runs", "5", "--epochs", "5", "--device", "cpu", "--json", out]
    )
    assert result.exit_code == 130, result.output
    assert result.stderr == "error: interrupted\n"
    assert f"wrote {out}" in result.stdout
    payload = json.loads(out.read_text())
    assert payload["partial"] is True and payload["seeds"] == [0]


def test_ctrl_c_while_writing_a_finished_result_writes_it_then_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gcnlab.io.results as results

    monkeypatch.setattr(results, "write_json", _signal_self_once(results.write_json))
    out = tmp_path / "out.json"
    result = invoke(
        ["train", "karate", "--runs", "2", "--epochs", "3", "--device", "cpu", "--json", out]
    )
    assert result.exit_code == 130, result.output
    assert result.stderr == "error: interrupted\n"
    payload = json.loads(out.read_text())
    assert payload["partial"] is False and payload["seeds"] == [0, 1]


def test_ctrl_c_while_cluster_writes_keeps_the_json_and_the_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gcnlab.io.communities as communities
    import gcnlab.io.results as results

    monkeypatch.setattr(results, "write_json", _signal_self_once(results.write_json))
    monkeypatch.setattr(
        communities, "write_clusters", _signal_self_once(communities.write_clusters)
    )
    out, csv = tmp_path / "c.json", tmp_path / "c.csv"
    args = ["--method", "spectral", "--runs", "2", "--restarts", "2"]
    result = invoke(["cluster", "karate", *args, "--json", out, "--save-clusters", csv])
    assert result.exit_code == 130, result.output
    assert result.stderr == "error: interrupted\n"
    assert f"wrote {out}" in result.stdout and f"wrote {csv}" in result.stdout
    payload = json.loads(out.read_text())
    assert payload["partial"] is False and payload["seeds"] == [0, 1]
    lines = csv.read_text().splitlines()
    assert lines[0] == "node,seed_0,seed_1" and len(lines) == 35
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "c.json"]  # no temporaries


def test_ctrl_c_while_karate_writes_keeps_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gcnlab.io.results as results
    import gcnlab.tasks.karate as karate

    real_train = karate.train_karate

    def without_stop_points(config, on_epoch=None):  # noqa: ANN001, ANN202
        # Training's stop points switch Ctrl-C to "defer"; without them, only the writing's own
        # deferral can keep the Ctrl-C from cutting the file.
        return real_train(config)

    monkeypatch.setattr(karate, "train_karate", without_stop_points)
    monkeypatch.setattr(results, "write_json", _signal_self_once(results.write_json))
    out = tmp_path / "k.json"
    args = ["--communities", "factions", "--epochs", "5", "--runs", "2"]
    result = invoke(["karate", *args, "--json", out])
    assert result.exit_code == 130, result.output
    assert result.stderr == "error: interrupted\n"
    assert f"wrote {out}" in result.stdout
    payload = json.loads(out.read_text())
    assert list(payload) == ["factions"] and payload["factions"]["partial"] is False
    assert payload["factions"]["seeds"] == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]


@pytest.mark.slow  # drawing the figures (t-SNE) takes a while; the in-process tests above are fast
def test_two_quick_ctrl_c_keep_the_json_and_the_figures(tmp_path: Path) -> None:
    out, figs = tmp_path / "out.json", tmp_path / "figs"
    proc, lines = _start(
        tmp_path,
        "--runs",
        "10000",
        "--epochs",
        "200",
        "--patience",
        "0",
        "--json",
        str(out),
        "--plots",
        str(figs),
        "--device",
        "cpu",
    )
    try:
        _wait_for(proc, lines, "INFO gcnlab.train.loop: run 1 (seed 0)")
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)  # the result is being written and the figures drawn
        proc.send_signal(signal.SIGINT)
        code, stdout, stderr = _rest(proc, lines)
    finally:
        proc.kill()
    assert code == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1] == "error: interrupted"
    assert json.loads(out.read_text())["partial"] is True
    assert sorted(p.name for p in figs.iterdir()) == [
        "karate_gcn_curves.png",
        "karate_gcn_tsne.png",
    ]


@pytest.mark.parametrize(
    "module", ["typer.main", "numpy", pytest.param("torch", marks=pytest.mark.slow)]
)
def test_ctrl_c_during_start_up_imports(tmp_path: Path, module: str) -> None:
    # -X importtime reports each import on stderr as it finishes: the Ctrl-C lands in the middle
    # of the start-up imports, after Python's own initialization (where it is Python's).
    proc = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "gcnlab",
            "train",
            "karate",
            "--runs",
            "1",
            "--epochs",
            "1",
            "--device",
            "cpu",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        for line in proc.stderr:
            if line.startswith("import time:") and line.rsplit("|", 1)[-1].strip() == module:
                proc.send_signal(signal.SIGINT)
                break
        else:
            pytest.fail(f"never imported {module}")
        rest = [line for line in proc.stderr if not line.startswith("import time:")]
        code = proc.wait(timeout=WAIT_S)
    finally:
        proc.kill()
    assert code == 130, "".join(rest)
    assert rest == ["error: interrupted\n"], "".join(rest)
