"""Checkpoints: fingerprints, exact round trips for node and link runs, and every refusal."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import torch

from gcnlab.data import load_dataset
from gcnlab.errors import DataError, UsageError
from gcnlab.io.checkpoint import (
    FORMAT,
    Checkpoint,
    dataset_fingerprint,
    load_checkpoint,
    load_states,
    save_checkpoint,
    save_result,
)
from gcnlab.nn.models import GCN
from gcnlab.tasks.evaluate import evaluate_checkpoint
from gcnlab.tasks.link import LinkConfig, train_link
from gcnlab.tasks.node import NodeConfig, NodeTask, train_node

# lr 0.2: early stopping ends both runs after the epoch validation chooses, so the saved
# weights are not simply the last ones
NODE = NodeConfig(dataset="karate", runs=2, epochs=40, lr=0.2, device="cpu")


@pytest.fixture(scope="module")
def node_run():
    result = train_node(NODE)
    assert all(b < e for b, e in zip(result.best_epoch, result.epochs, strict=True))
    return result


@pytest.fixture
def node_ckpt(node_run, tmp_path: Path) -> Path:
    return save_result(tmp_path / "sub" / "karate.pt", node_run)


def test_fingerprint_is_of_the_tensors_only() -> None:
    data = load_dataset("karate")
    print_ = dataset_fingerprint(data)
    assert len(print_) == 64 and print_ == dataset_fingerprint(load_dataset("karate"))
    as_dict = {k: data[k] for k in reversed(data.keys())}  # any order, no Data needed
    assert dataset_fingerprint(as_dict) == print_
    changed = data.clone()
    changed.x[3, 3] += 1e-6
    assert dataset_fingerprint(changed) != print_
    relabelled = data.clone()
    relabelled.train_mask = ~relabelled.train_mask
    assert dataset_fingerprint(relabelled) != print_
    # the same bytes under another dtype or shape are different data
    assert dataset_fingerprint({"a": torch.zeros(4)}) != dataset_fingerprint(
        {"a": torch.zeros(2, 2)}
    )
    assert dataset_fingerprint({"a": torch.zeros(4, dtype=torch.int32)}) != dataset_fingerprint(
        {"a": torch.zeros(4)}
    )


def test_result_keeps_the_weights_of_the_selected_epoch(node_run) -> None:
    data = load_dataset("karate")
    g = NodeTask(NODE, torch.device("cpu"), data)
    for run, state in enumerate(node_run.states):
        model = GCN(34, 16, 2)
        model.load_state_dict(state)
        model.eval()
        pred = model(g.x, g.adj).argmax(1)
        test = g.index["test"]
        assert (pred[test] == g.y[test]).float().mean().item() == node_run.test_acc[run]
    assert node_run.fingerprint == dataset_fingerprint(data)


def test_node_round_trip_gives_identical_predictions(node_run, node_ckpt: Path) -> None:
    ckpt = load_checkpoint(node_ckpt, task="node", model="gcn", dataset="karate")
    assert (ckpt.task, ckpt.model, ckpt.dataset) == ("node", "gcn", "karate")
    assert ckpt.config == dataclasses.asdict(NODE)
    g = NodeTask(NODE, torch.device("cpu"), load_dataset("karate"))
    for run in range(2):
        saved = load_states(ckpt, GCN(34, 16, 2), run)
        live = GCN(34, 16, 2)
        live.load_state_dict(node_run.states[run])
        live.eval()
        assert torch.equal(saved(g.x, g.adj), live(g.x, g.adj))
    ev = evaluate_checkpoint(node_ckpt, device="cpu")
    assert ev.metrics == {"test_acc": node_run.test_acc} and ev.matches
    assert ev.mean["test_acc"] == node_run.test_acc_mean == ev.reported["test_acc"]
    assert ev.std["test_acc"] == node_run.test_acc_std and ev.runs == 2


@pytest.mark.parametrize("model", ["gae", "vgae"])
def test_link_round_trip_recomputes_the_reported_metrics(model: str, tmp_path: Path) -> None:
    result = train_link(LinkConfig(dataset="karate", model=model, runs=2, epochs=25, device="cpu"))
    assert min(result.best_epoch) < 25  # the kept weights are not simply the final ones
    path = save_result(tmp_path / "link.pt", result)
    ev = evaluate_checkpoint(path, device="cpu")
    assert ev.metrics == {"auc": result.auc, "ap": result.ap} and ev.matches
    assert ev.mean["auc"] == result.auc_mean and ev.mean["ap"] == result.ap_mean


def test_digits_round_trip(tmp_path: Path) -> None:
    from gcnlab.tasks.digits import DigitsConfig, train_digits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: one thread is faster
    try:
        result = train_digits(DigitsConfig(epochs=2, runs=2, channels=4, device="cpu"))
        path = save_result(tmp_path / "digits.pt", result)
        ev = evaluate_checkpoint(path, device="cpu")
    finally:
        torch.set_num_threads(threads)
    assert (ev.task, ev.model, ev.dataset) == ("image", "cnn-gridconv", "digits")
    assert ev.metrics == {"test_acc": result.test_acc} and ev.matches


def test_payload_is_plain_and_loads_with_weights_only(node_ckpt: Path) -> None:
    payload = torch.load(node_ckpt, weights_only=True)
    assert payload["format"] == FORMAT and payload["format_version"] == 1
    assert payload["metrics"]["test_acc"] and "history" not in payload["metrics"]
    assert type(payload["metrics"]["versions"]["torch"]) is str  # not torch's TorchVersion
    assert all(v.device.type == "cpu" for s in payload["states"] for v in s.values())


def test_write_is_atomic(node_run, node_ckpt: Path) -> None:
    before = node_ckpt.read_bytes()
    with pytest.raises(UsageError, match="no finished run"):
        save_checkpoint(
            node_ckpt,
            task="node",
            model_name="gcn",
            config={},
            dataset="karate",
            fingerprint="",
            states=[],
            metrics={},
        )
    assert node_ckpt.read_bytes() == before
    save_result(node_ckpt, node_run)
    assert os.listdir(node_ckpt.parent) == [node_ckpt.name]  # no temporary file left


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt")


def test_refuses_files_that_are_not_checkpoints(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pt"
    torch.save({"weight": torch.zeros(2)}, plain)
    with pytest.raises(DataError, match="plain.pt is not a gcnlab checkpoint"):
        load_checkpoint(plain)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(DataError, match="garbage.pt is not a readable gcnlab checkpoint"):
        load_checkpoint(garbage)
    newer = tmp_path / "newer.pt"
    torch.save({"format": FORMAT, "format_version": 99}, newer)
    with pytest.raises(DataError, match="format 99; this gcnlab reads up to 1"):
        load_checkpoint(newer)


class _Payload:  # any class: weights_only=True must refuse to build it
    pass


def test_refuses_unsafe_content(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.pt"
    torch.save({"format": FORMAT, "format_version": 1, "config": _Payload()}, path)
    with pytest.raises(
        DataError,
        match=r"objects other than tensors and plain values; refusing to load it: "
        r"it imports \S*_Payload \(nothing was run\)",
    ) as refused:
        load_checkpoint(path)
    assert "weights_only" not in str(refused.value)


def test_refuses_another_task_model_or_dataset(node_ckpt: Path) -> None:
    with pytest.raises(
        DataError,
        match=r"karate.pt was made for gcn on karate \(node task\), "
        r"not vgae on karate \(node task\)",
    ):
        load_checkpoint(node_ckpt, model="vgae")
    with pytest.raises(DataError, match="made for gcn on karate .*, not gcn on cora"):
        load_checkpoint(node_ckpt, dataset="cora")
    with pytest.raises(DataError, match=r"not gcn on karate \(link task\)"):
        load_checkpoint(node_ckpt, task="link")


def test_refuses_different_data_under_the_same_name(node_ckpt: Path, monkeypatch) -> None:  # noqa: ANN001
    import gcnlab.train.graph_input as graph_input

    def other_karate(name, root=None):  # noqa: ANN001, ANN202
        data = load_dataset(name, root)
        data.y = 1 - data.y  # same shapes, different labels
        return data

    monkeypatch.setattr(graph_input, "load_graph", other_karate)
    with pytest.raises(
        DataError, match="trained on karate with fingerprint .* holds different karate data"
    ):
        evaluate_checkpoint(node_ckpt, device="cpu")


def test_refuses_weights_of_another_shape(node_run, tmp_path: Path) -> None:
    path = save_checkpoint(
        tmp_path / "bad.pt",
        task="node",
        model_name="gcn",
        config={**node_run.config, "hidden": 8},
        dataset="karate",
        fingerprint=node_run.fingerprint,
        states=node_run.states,
        metrics={},
    )
    with pytest.raises(DataError, match=r"holds weights .*conv1.lin.weight.*needs"):
        evaluate_checkpoint(path, device="cpu")


def test_refuses_config_fields_it_does_not_know(node_run, tmp_path: Path) -> None:
    path = save_checkpoint(
        tmp_path / "future.pt",
        task="node",
        model_name="gcn",
        config={**node_run.config, "heads": 4},
        dataset="karate",
        fingerprint=node_run.fingerprint,
        states=node_run.states,
        metrics={},
    )
    with pytest.raises(DataError, match=r"config fields this gcnlab does not know \(heads\)"):
        evaluate_checkpoint(path, device="cpu")


def test_in_memory_checkpoint_of_a_result(node_run) -> None:
    ckpt = Checkpoint.from_result(node_run)
    assert ckpt.states is not node_run.states and len(ckpt.states) == 2
    assert ckpt.metrics["test_acc"] == node_run.test_acc and "states" not in ckpt.metrics


@pytest.mark.gpu
def test_cuda_runs_save_cpu_tensors_and_evaluate_on_cuda(tmp_path: Path) -> None:
    result = train_link(LinkConfig(dataset="karate", runs=2, epochs=15, device="cuda"))
    assert all(v.device.type == "cpu" for s in result.states for v in s.values())
    path = save_result(tmp_path / "cuda.pt", result)
    ev = evaluate_checkpoint(path, device="cuda")
    assert ev.metrics == {"auc": result.auc, "ap": result.ap} and ev.device.startswith("cuda")
    node = train_node(NodeConfig(dataset="karate", runs=1, epochs=15, device="cuda"))
    assert evaluate_checkpoint(save_result(tmp_path / "n.pt", node), device="cuda").matches


def test_config_beyond_the_bounds_is_refused_before_building(node_run, tmp_path: Path,
                                                             monkeypatch) -> None:  # noqa: ANN001
    import gcnlab.nn.models as models

    path = save_checkpoint(
        tmp_path / "huge.pt", task="node", model_name="gcn",
        config={**node_run.config, "hidden": 400_000}, dataset="karate",
        fingerprint=node_run.fingerprint, states=node_run.states, metrics={},
    )
    monkeypatch.setattr(models, "GCNConv", None)  # building any GCN would fail loudly
    with pytest.raises(DataError, match=r"huge.pt holds a config gcnlab refuses: hidden must be"):
        evaluate_checkpoint(path, device="cpu")


def test_unknown_task_is_refused_with_the_known_ones(node_run, tmp_path: Path) -> None:
    path = save_checkpoint(
        tmp_path / "future.pt", task="segmentation", model_name="gcn",
        config=node_run.config, dataset="karate", fingerprint=node_run.fingerprint,
        states=node_run.states, metrics={},
    )
    with pytest.raises(DataError, match=r"future.pt is for task 'segmentation'.*known: image"):
        evaluate_checkpoint(path, device="cpu")


def test_evaluate_looks_in_gcnlab_data_before_the_stored_root(
    planetoid_root: Path, tmp_path: Path, monkeypatch  # noqa: ANN001
) -> None:
    run = train_node(NodeConfig(dataset="cora", root=str(planetoid_root), runs=1, epochs=2))
    path = save_result(tmp_path / "cora.pt", run)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GCNLAB_DATA", str(elsewhere))
    with pytest.raises(DataError, match=str(elsewhere)):  # looked there, found no Cora files
        evaluate_checkpoint(path, device="cpu")
    monkeypatch.delenv("GCNLAB_DATA")
    assert evaluate_checkpoint(path, device="cpu").matches  # the stored root, as a fallback
