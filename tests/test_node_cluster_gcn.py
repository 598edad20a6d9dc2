"""Cluster-GCN node classification (gcnlab.tasks.node_cluster_gcn)."""

from __future__ import annotations

import pytest
import torch

from gcnlab.errors import UsageError
from gcnlab.tasks.node import NodeConfig, NodeTask, train_node
from gcnlab.tasks.node_cluster_gcn import ClusterNodeTask
from gcnlab.train.registry import task_for


def test_one_cluster_is_full_batch_training(cora) -> None:  # noqa: ANN001
    """One part, one batch per epoch: the batch is the whole graph, so every step and every
    weight equal full-batch training's (dropout included: the same draws in the same order)."""
    common = dict(epochs=5, runs=1, device="cpu")
    config = NodeConfig(batch="clusters", parts=1, clusters_per_batch=1, **common)
    full_task = NodeTask(NodeConfig(**common), torch.device("cpu"), cora)
    cluster_task = ClusterNodeTask(config, torch.device("cpu"), cora)
    states = []
    for task in (full_task, cluster_task):
        task.seed_run(0)
        model = task.build_model()
        optimizer = task.optimizer(model)
        for _ in range(5):
            model.train()
            task.train_epoch(model, optimizer)
        states.append(model.state_dict())
    for key in states[0]:
        torch.testing.assert_close(states[1][key], states[0][key], rtol=1e-5, atol=1e-6)


def test_the_registry_picks_the_cluster_task_and_it_checks_the_batches(planetoid_root) -> None:  # noqa: ANN001
    pytest.importorskip("pymetis")
    config = NodeConfig(root=str(planetoid_root), batch="clusters", parts=8, clusters_per_batch=3)
    task = task_for("node", config=config).prepare(config, torch.device("cpu"))
    assert isinstance(task, ClusterNodeTask) and task.name == "node"
    assert task.batches.num_batches == 3  # ceil(8 / 3)
    with pytest.raises(UsageError, match="clusters per batch must be between 1 and 8"):
        NodeConfig(batch="clusters", parts=8, clusters_per_batch=9).validate()


@pytest.mark.slow
def test_accuracy_within_one_point_of_full_batch_on_cora(planetoid_root) -> None:  # noqa: ANN001
    pytest.importorskip("pymetis")
    root = str(planetoid_root)
    full = train_node(NodeConfig(root=root, runs=5, device="cpu"))
    clusters = train_node(
        NodeConfig(
            root=root, runs=5, device="cpu", batch="clusters", parts=10, clusters_per_batch=5
        )
    )
    assert clusters.test_acc_mean >= full.test_acc_mean - 0.01


def test_cli_partition_file_is_reused_and_needs_clusters(tmp_path) -> None:  # noqa: ANN001
    pytest.importorskip("pymetis")
    from cli_runner import invoke

    path = tmp_path / "karate-parts.npz"
    args = [
        "train",
        "karate",
        "--batch",
        "clusters",
        "--parts",
        "4",
        "--clusters-per-batch",
        "2",
        "--epochs",
        "3",
        "--runs",
        "1",
        "--partition-file",
        str(path),
    ]
    first = invoke(args)
    assert first.exit_code == 0, first.output
    written = path.read_bytes()
    second = invoke(args)
    assert second.exit_code == 0 and path.read_bytes() == written  # read, not recomputed
    same = [line.split("(")[0] for line in (first.output, second.output)]
    assert same[0] == same[1] and "test accuracy" in same[0]  # the same result (times differ)
    refused = invoke(["train", "karate", "--partition-file", str(path)])
    assert refused.exit_code == 2 and "--partition-file keeps the METIS parts" in refused.output
    other = invoke(args[:5] + ["8"] + args[6:])  # --parts 8 against a file made for 4
    assert other.exit_code == 1 and "another graph or another --parts" in other.output
