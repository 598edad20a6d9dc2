"""Data-parallel training under torchrun, gloo on the CPU: Cluster-GCN on a 2-"node" launch on
localhost (c10d rendezvous on 127.0.0.1, one process per node) and link prediction on edge
mini-batches (one node, two processes) give the weights of one process taking the same global
steps, to 1e-5; several processes without mini-batches are refused in one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch
from torchrun_launch import free_port, launch_env, torchrun

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


def _reference_state() -> dict[str, torch.Tensor]:
    """One process, the same global batches: per step the mean loss of groups 2s and 2s+1."""
    from gcnlab.tasks.node import NodeConfig
    from gcnlab.train.registry import task_for

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
    task = task_for("node", config=config).prepare(config, torch.device("cpu"))
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
    pytest.importorskip("pymetis")
    save = tmp_path / "ddp.pt"
    launch = torchrun(
        ["train", "karate", *OPTIONS, "--save", str(save)], nnodes=2, nproc=1, port=free_port()
    )
    env = launch_env(60)
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


LINK_OPTIONS = [
    "--model",
    "vgae",  # its noise and KL term must be drawn alike on both processes
    "--batch-size",
    "9",  # 68 training edges on karate: 7 steps of 9 (slices of 5 and 4), then 5 (3 and 2)
    "--epochs",
    "2",
    "--runs",
    "1",
    "--hidden",
    "8",
    "--latent",
    "4",
    "--device",
    "cpu",
]


def test_linkpred_two_processes_match_one(tmp_path: Path) -> None:
    from gcnlab.io.checkpoint import load_checkpoint
    from gcnlab.tasks.link import LinkConfig, train_link

    save, out = tmp_path / "ddp.pt", tmp_path / "ddp.json"
    args = ["linkpred", "karate", *LINK_OPTIONS, "--save", str(save), "--json", str(out)]
    launch = subprocess.run(
        torchrun(args, nnodes=1, nproc=2, port=free_port()),
        env=launch_env(60),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = launch.stdout + launch.stderr
    assert launch.returncode == 0, output[-3000:]
    assert output.count("karate VGAE: test AUC") == 1  # rank 0 alone reports and writes
    assert output.count("wrote ") == 2

    # one process taking the same global batches: the same command without torchrun
    config = LinkConfig(
        dataset="karate",
        model="vgae",
        batch_size=9,
        epochs=2,
        runs=1,
        hidden=8,
        latent=4,
        device="cpu",
    )
    reference = train_link(config)
    payload = json.loads(out.read_text())
    # how it was run: two processes of a gloo group, edge mini-batches of 9
    plan = {"kind": "edges", "batch_size": 9}
    assert (payload["processes"], payload["backend"], payload["batch_plan"]) == (2, "gloo", plan)
    assert (reference.processes, reference.backend, reference.batch_plan) == (1, None, plan)
    metrics = load_checkpoint(save).metrics
    assert (metrics["processes"], metrics["backend"], metrics["batch_plan"]) == (2, "gloo", plan)
    assert payload["best_epoch"] == reference.best_epoch
    torch.testing.assert_close(
        payload["history"][0]["loss"], [s.loss for s in reference.history[0]], rtol=0, atol=1e-5
    )
    assert payload["auc"] == pytest.approx(reference.auc, abs=1e-6)
    state = load_checkpoint(save).states[0]
    assert state.keys() == reference.states[0].keys()
    for key, value in reference.states[0].items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=1e-5)


CLUSTER_LINK = dict(
    model="vgae", parts=4, clusters_per_batch=1, epochs=3, runs=1, hidden=8, latent=4
)


def _cluster_link_reference() -> tuple[list[float], list[dict[str, torch.Tensor]]]:
    """One process, the same global batches: per step the mean loss of groups 2s and 2s+1.
    The epoch losses and the weights after each epoch."""
    from gcnlab.tasks.link import LinkConfig
    from gcnlab.train.registry import task_for

    config = LinkConfig(dataset="karate", batch="clusters", device="cpu", **CLUSTER_LINK)
    task = task_for("link", config=config).prepare(config, torch.device("cpu"))
    task.start_run(0, 0)
    task.seed_run(0)
    model = task.build_model()
    optimizer = task.optimizer(model)
    losses, states = [], []
    for _ in range(config.epochs):
        model.train()
        plan = task.epoch_plan()
        steps = []
        for step in range(len(plan) // 2):
            optimizer.zero_grad()
            loss = sum(task.batch_loss(model, *plan[2 * step + r]) for r in range(2)) / 2
            loss.backward()
            optimizer.step()
            steps.append(loss.item())
        losses.append(sum(steps) / len(steps))
        states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    return losses, states


def test_linkpred_cluster_batches_two_processes_match_one(tmp_path: Path) -> None:
    pytest.importorskip("pymetis")
    from gcnlab.io.checkpoint import load_checkpoint

    save, out = tmp_path / "ddp.pt", tmp_path / "ddp.json"
    options = [f"--{k.replace('_', '-')}={v}" for k, v in CLUSTER_LINK.items()]
    args = ["linkpred", "karate", "--batch", "clusters", *options, "--device", "cpu"]
    launch = subprocess.run(
        torchrun(
            [*args, "--save", str(save), "--json", str(out)], nnodes=1, nproc=2, port=free_port()
        ),
        env=launch_env(60),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = launch.stdout + launch.stderr
    assert launch.returncode == 0, output[-3000:]
    assert output.count("karate VGAE: test AUC") == 1  # rank 0 alone reports and writes

    losses, states = _cluster_link_reference()
    payload = json.loads(out.read_text())
    plan = {"kind": "clusters", "parts": 4, "clusters_per_batch": 1}
    assert (payload["processes"], payload["backend"], payload["batch_plan"]) == (2, "gloo", plan)
    torch.testing.assert_close(payload["history"][0]["loss"], losses, rtol=0, atol=1e-5)
    state = load_checkpoint(save).states[0]  # the weights of the chosen epoch
    reference = states[payload["best_epoch"][0] - 1]
    assert state.keys() == reference.keys()
    for key, value in reference.items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "args,missing",
    [
        (["train", "karate"], "add --batch clusters"),
        (["linkpred", "karate"], "add --batch-size B"),
    ],
)
def test_several_processes_need_mini_batches(
    monkeypatch: pytest.MonkeyPatch, args: list[str], missing: str
) -> None:
    from cli_runner import invoke

    monkeypatch.setenv("WORLD_SIZE", "2")
    result = invoke([*args, "--runs", "1", "--device", "cpu"])
    assert result.exit_code == 2
    assert missing in result.output and len(result.output.strip().splitlines()) == 1
