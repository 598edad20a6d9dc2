"""train_link: the paper's protocol end to end, model selection, leakage, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gcnlab.data.link_split import split_edges
from gcnlab.errors import TrainingDiverged, UsageError
from gcnlab.nn.autoencoders import DENSE_MAX_NODES, resolve_loss
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.tasks.link import (
    LinkConfig,
    LinkEpochStats,
    build_autoencoder,
    link_features,
    prepare_split,
    score_split,
    train_link,
)
from gcnlab.tasks.link_metrics import average_precision, roc_auc


@pytest.mark.parametrize("model,loss", [("gae", "dense"), ("vgae", "sampled")])
def test_cora_short_run_learns(planetoid_root: Path, model: str, loss: str) -> None:
    history: list[LinkEpochStats] = []
    config = LinkConfig(dataset="cora", model=model, loss=loss, epochs=20, runs=1,
                        root=str(planetoid_root), device="cpu")
    result = train_link(config, on_epoch=history.append)
    assert result.auc[0] > 0.8 and result.ap[0] > 0.8  # chance is 0.5; 200 epochs reach 0.91
    assert result.reconstruction == loss and result.task == "link" and result.model == model
    assert [s.epoch for s in history] == list(range(1, 21)) and result.epochs == [20]
    # reported: test metrics at the epoch with the best validation AUC + AP (first on ties)
    best = max(history, key=lambda s: (s.val_auc + s.val_ap, -s.epoch))
    assert result.best_epoch == [best.epoch]
    assert (result.auc, result.ap) == ([best.test_auc], [best.test_ap])
    assert (result.val_auc, result.val_ap) == ([best.val_auc], [best.val_ap])


def test_runs_are_reproducible_with_or_without_a_hook() -> None:
    config = LinkConfig(dataset="karate", model="vgae", runs=2, epochs=30, seed=3, device="cpu")
    a, b = train_link(config), train_link(config, on_epoch=lambda s: None)
    assert a.auc == b.auc and a.ap == b.ap and a.best_epoch == b.best_epoch
    assert a.seeds == [3, 4] and a.history[1][-1] == b.history[1][-1]
    assert 0 <= min(a.auc) and max(a.auc) <= 1 and a.device == "cpu"


def test_fixed_split_seed_gives_every_run_the_same_split(monkeypatch) -> None:  # noqa: ANN001
    import gcnlab.tasks.link as lp

    seeds: list[int] = []

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seeds.append(kwargs["seed"])
        return split_edges(*args, **kwargs)

    monkeypatch.setattr(lp, "split_edges", spy)
    train_link(LinkConfig(dataset="karate", runs=3, epochs=2, split_seed=9, device="cpu"))
    assert seeds == [9]
    seeds.clear()
    train_link(LinkConfig(dataset="karate", runs=3, epochs=2, seed=4, device="cpu"))
    assert seeds == [4, 5, 6]


def test_encoder_sees_training_edges_only(cora) -> None:  # noqa: ANN001
    split = split_edges(cora.edge_index, cora.num_nodes, seed=0)
    task = prepare_split(split, "dense", torch.device("cpu"))
    expected = normalized_adjacency(split.train_edge_index, num_nodes=cora.num_nodes)
    assert torch.equal(task.adj.to_dense(), expected.to_dense())
    adj = task.adj.to_dense()
    for a, b in (split.val_pos, split.test_pos):
        assert (adj[a, b] == 0).all() and (adj[b, a] == 0).all()


def test_evaluation_scores_the_vgae_mean_not_a_sample(cora) -> None:  # noqa: ANN001
    split = split_edges(cora.edge_index, cora.num_nodes, seed=0)
    task = prepare_split(split, "sampled", torch.device("cpu"))
    x = SparseMatrix.from_tensor(cora.x)
    torch.manual_seed(0)
    model = build_autoencoder(LinkConfig(model="vgae"), cora.num_features)
    torch.manual_seed(1)
    first = score_split(model, x, task)
    torch.manual_seed(2)
    assert torch.equal(first, score_split(model, x, task))  # no noise at evaluation
    mu, _ = model.encoder(x, task.adj)
    pos, neg = model.decoder(mu, split.val_pos), model.decoder(mu, split.val_neg)
    assert first[0] == roc_auc(pos, neg) and first[1] == average_precision(pos, neg)


def testlink_features(cora, planetoid_root: Path) -> None:  # noqa: ANN001
    raw = link_features(cora, LinkConfig(root=str(planetoid_root)))
    assert torch.equal(raw, (cora.x > 0).float())  # the paper's binary bag of words
    normalized = link_features(cora, LinkConfig(features="normalized"))
    assert torch.equal(normalized, cora.x)
    # featureless: the identity, stored sparse (N values, not N^2)
    eye = link_features(cora, LinkConfig(features="none"))
    assert eye.values.numel() == cora.num_nodes
    assert torch.equal(eye.to_dense(), torch.eye(cora.num_nodes))


def test_auto_loss_is_dense_up_to_the_threshold() -> None:
    assert resolve_loss("auto", 2708) == "dense" and resolve_loss("auto", 19717) == "sampled"
    assert resolve_loss("auto", DENSE_MAX_NODES) == "dense"
    assert resolve_loss("sampled", 34) == "sampled" and resolve_loss("dense", 10**5) == "dense"


@pytest.mark.parametrize("field,value,match", [
    ("model", "gcn", "model must be one of gae, vgae"), ("loss", "full", "loss must be one of"),
    ("features", "tfidf", "features must be one of"), ("lr", 0.0, "lr"), ("runs", 0, "runs"),
    ("epochs", 0, "epochs"), ("latent", 0, "latent"), ("hidden", 0, "hidden"),
    ("split_seed", -1, "split seed"), ("dataset", "mnist", "unknown dataset"),
    ("device", "tpu", "unknown device"),
])
def test_bad_config_is_refused(field: str, value: object, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        train_link(LinkConfig(**{"dataset": "karate", field: value}))


@pytest.mark.parametrize("hook", [None, lambda stats: None])
def test_divergence_is_reported(hook, diverge_at) -> None:  # noqa: ANN001
    from gcnlab.tasks.link import LinkTask

    diverge_at(LinkTask, 4)
    config = LinkConfig(dataset="karate", model="vgae", runs=1, epochs=20, device="cpu")
    with pytest.raises(TrainingDiverged, match="diverged at epoch 4"):
        train_link(config, on_epoch=hook)


def test_interrupt_keeps_finished_runs() -> None:
    def interrupt_in_second_run(stats: LinkEpochStats) -> None:
        if stats.run == 1 and stats.epoch == 3:
            raise KeyboardInterrupt

    result = train_link(LinkConfig(dataset="karate", runs=3, epochs=10, device="cpu"),
                        on_epoch=interrupt_in_second_run)
    assert result.partial and result.runs == 1 and len(result.auc) == 1 and result.seeds == [0]
    with pytest.raises(KeyboardInterrupt):
        train_link(LinkConfig(dataset="karate", runs=2, epochs=10),
                   on_epoch=lambda s: (_ for _ in ()).throw(KeyboardInterrupt))


@pytest.mark.gpu
def test_cuda_run_keeps_everything_on_the_gpu(planetoid_root: Path) -> None:
    result = train_link(LinkConfig(dataset="cora", epochs=20, runs=1, root=str(planetoid_root),
                                   device="cuda"))
    assert result.device.startswith("cuda") and result.auc[0] > 0.8


@pytest.mark.slow
@pytest.mark.parametrize("dataset,model,auc,ap", [
    ("cora", "gae", 0.905, 0.915), ("cora", "vgae", 0.909, 0.921),
    ("citeseer", "gae", 0.890, 0.894), ("citeseer", "vgae", 0.903, 0.915),
])
def test_paper_numbers_over_ten_seeds(planetoid_root: Path, dataset: str, model: str,
                                      auc: float, ap: float) -> None:
    result = train_link(LinkConfig(dataset=dataset, model=model, root=str(planetoid_root)))
    assert result.runs == 10 and result.reconstruction == "dense"
    assert result.auc_mean >= auc and result.ap_mean >= ap


def test_dense_loss_bounds(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from gcnlab.errors import UsageError
    from gcnlab.nn.autoencoders import DENSE_FORCED_MAX_NODES

    assert resolve_loss("auto", DENSE_MAX_NODES) == "dense"
    with caplog.at_level(logging.INFO, logger="gcnlab.nn.autoencoders"):
        assert resolve_loss("auto", DENSE_MAX_NODES + 1) == "sampled"
    assert "sampled negatives instead of the all-pairs loss" in caplog.text
    assert resolve_loss("dense", DENSE_FORCED_MAX_NODES) == "dense"
    with pytest.raises(UsageError, match="above 100000 nodes use loss 'sampled'"):
        resolve_loss("dense", DENSE_FORCED_MAX_NODES + 1)
