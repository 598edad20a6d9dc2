"""Data-parallel Cluster-GCN under torchrun: a 2-"node" launch on localhost (c10d rendezvous on
127.0.0.1, one gloo process per node) gives the weights of one process taking the same global
steps (the mean loss of the two batches), to 1e-5."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("pymetis")

EPOCHS = 3
OPTIONS = [
    "--batch",
    "clusters",
    "--parts",
    "4",
    "--clusters-per-batch",
    "1",
    "--epochs",
    str(EPOCHS),
    "--runs",
    "1",
    "--dropout",
    "0",
    "--patience",
    "0",
    "--select",
    "last",
    "--device",
    "cpu",
    "--hidden",
    "8",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reference_state() -> dict[str, torch.Tensor]:
    """One process, the same global batches: per step the mean loss of groups 2s and 2s+1."""
    from gcnlab.tasks.node import NodeConfig, NodeTask

    config = NodeConfig(
        dataset="karate",
        batch="clusters",
        parts=4,
        clusters_per_batch=1,
        epochs=EPOCHS,
        runs=1,
        dropout=0.0,
        patience=0,
        select="last",
        device="cpu",
        hidden=8,
    )
    task = NodeTask.prepare(config, torch.device("cpu"))
    task.seed_run(0)
    model = task.build_model()
    optimizer = task.optimizer(model)
    for _ in range(EPOCHS):
        groups = task.batches.epoch_groups(task.generator)
        for step in range(len(groups) // 2):
            optimizer.zero_grad()
            loss = sum(task.batch_loss(model, groups[2 * step + r]) for r in range(2)) / 2
            loss.backward()
            optimizer.step()
    return model.state_dict()


def test_two_node_launch_matches_one_process(tmp_path: Path) -> None:
    port = _free_port()
    save = tmp_path / "ddp.pt"
    env = dict(os.environ, OMP_NUM_THREADS="1", GCNLAB_DIST_TIMEOUT="60")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]
    )
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes",
        "2",
        "--nproc-per-node",
        "1",
        "--rdzv-backend",
        "c10d",
        "--rdzv-endpoint",
        f"127.0.0.1:{port}",
        "--rdzv-id",
        "gcnlab-test",
        "--local-addr",
        "127.0.0.1",
        "-m",
        "gcnlab",
        "train",
        "karate",
        *OPTIONS,
        "--save",
        str(save),
    ]
    nodes = [
        subprocess.Popen(
            launch,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for node in nodes:
        try:
            out, _ = node.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for n in nodes:
                n.kill()
            pytest.fail("the 2-node launch did not finish in 120 s")
        outputs.append(out)
        assert node.returncode == 0, out[-3000:]
    assert sum("karate: test accuracy" in out for out in outputs) == 1  # rank 0 alone reports

    from gcnlab.io.checkpoint import load_checkpoint

    state = load_checkpoint(save).states[0]
    reference = _reference_state()
    assert state.keys() == reference.keys()
    for key, value in reference.items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=1e-5)


def test_several_processes_need_cluster_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_runner import invoke

    monkeypatch.setenv("WORLD_SIZE", "2")
    result = invoke(["train", "karate", "--runs", "1", "--device", "cpu"])
    assert result.exit_code == 2
    assert "add --batch clusters" in result.output
