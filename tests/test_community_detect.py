"""cluster(): every method end to end on the karate club, bad input, unlabelled graphs and
isolated nodes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gcnlab.community.detect import METHODS, AutoencoderClustering, ClusterConfig, cluster
from gcnlab.community.methods import kmeans
from gcnlab.community.scores import cluster_scores
from gcnlab.errors import UsageError


@pytest.mark.parametrize("method", ["spectral", "smooth"])
def test_graph_methods_find_the_karate_factions(method: str) -> None:
    result = cluster(
        ClusterConfig(dataset="karate", method=method, runs=2, restarts=2, max_power=5)
    )
    assert result.runs == 2 and result.seeds == [0, 1] and result.num_clusters == 2
    assert result.labelled and len(result.clusters[0]) == 34
    # the scores are those of the clusters it returns
    from gcnlab.data.karate import read_karate

    y = read_karate().y
    for r, clusters in enumerate(result.clusters):
        s = cluster_scores(y, clusters)
        assert (result.acc[r], result.nmi[r], result.ari[r], result.f1[r]) == (
            s.acc,
            s.nmi,
            s.ari,
            s.f1,
        )
    # 32 of 34 members: the two-way split of the friendship graph misplaces two members
    assert result.acc_mean == pytest.approx(32 / 34)
    assert result.acc_std == 0.0
    assert (result.power == [5, 5]) == (method == "smooth")
    assert result.embedding is not None


def test_kmeans_on_identity_features_is_chance() -> None:
    # one-hot ids carry no information: k-means on them cannot beat the majority faction by much
    result = cluster(ClusterConfig(dataset="karate", method="kmeans", runs=1, restarts=2))
    assert result.acc_mean < 0.7 and result.power == []


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"k": 0}, "k \\(clusters\\) must be at least 1, got 0"),
        ({"method": "louvain"}, "method must be one of gae, vgae, smooth, kmeans, spectral"),
        ({"max_power": 0}, "max power must be between 1 and"),
        ({"latent": 0}, "latent must be between 1 and"),
        ({"epochs": 0}, "epochs must be between 1 and"),
        ({"restarts": 0}, "restarts must be between 1 and"),
        ({"runs": 0}, "runs must be between 1 and"),
        ({"power": 0}, "power must be between 1 and"),
        ({"assign": "dbscan"}, "assign must be one of spectral, kmeans"),
        ({"features": "tfidf"}, "features must be one of raw, normalized"),
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
    ],
)
def test_bad_config(changes: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        cluster(ClusterConfig(**{"dataset": "karate", **changes}))


def test_k_larger_than_the_graph() -> None:
    with pytest.raises(UsageError, match=r"at most the number of nodes \(34 in karate\), got 35"):
        cluster(ClusterConfig(dataset="karate", method="kmeans", k=35))


@pytest.fixture
def toy_graph(tmp_path: Path) -> dict:
    """Config fields of an unlabelled graph file: two triangles joined by an edge, and node 6
    with no edge at all (it appears only in the features file)."""
    (tmp_path / "toy.csv").write_text("0,1\n1,2\n0,2\n3,4\n4,5\n3,5\n2,3\n")
    rows = ["0,1,0", "1,1,0", "2,1,0", "3,0,1", "4,0,1", "5,0,1", "6,1,1"]
    (tmp_path / "features.csv").write_text("\n".join(rows) + "\n")
    return {"dataset": str(tmp_path / "toy.csv"), "features_file": str(tmp_path / "features.csv")}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_unlabelled_graph_with_an_isolated_node(method: str, toy_graph: dict) -> None:
    config = ClusterConfig(
        method=method,
        k=2,
        runs=2,
        restarts=2,
        max_power=3,
        epochs=100,
        device="cpu",
        **toy_graph,
    )
    result = cluster(config)
    assert not result.labelled
    assert result.acc == result.nmi == result.ari == result.f1 == []
    assert result.acc_mean is None and result.f1_std is None
    assert len(result.clusters) == 2 and all(len(c) == 7 for c in result.clusters)
    first = result.clusters[0]
    if method == "spectral":
        # documented: each connected component is a perfect cluster for the graph-only method,
        # so with k = 2 the isolated node is one cluster and everything else the other
        assert first[:6] == [first[0]] * 6 and first[6] != first[0]
    else:  # the features separate the triangles; the isolated node keeps its own features
        assert len(set(first[:3])) == 1 and len(set(first[3:6])) == 1 and first[0] != first[3]


@pytest.mark.parametrize("method", ["kmeans", "gae"])
def test_unlabelled_graph_needs_k(method: str, toy_graph: dict) -> None:
    with pytest.raises(
        UsageError, match=r"toy.csv has no labels .*give the number of clusters \(--k on the"
    ):
        cluster(ClusterConfig(method=method, device="cpu", **toy_graph))


def test_partly_labelled_graph_is_scored_on_its_labelled_nodes(
    toy_graph: dict, tmp_path: Path
) -> None:
    # labels for the triangles only; node 6 (isolated) stays unlabelled (-1) and is not scored
    (tmp_path / "labels.csv").write_text("0,a\n1,a\n2,a\n3,b\n4,b\n5,b\n")
    config = ClusterConfig(
        method="smooth",
        runs=1,
        restarts=2,
        max_power=3,
        labels_file=str(tmp_path / "labels.csv"),
        **toy_graph,
    )
    result = cluster(config)
    assert result.labelled and result.num_clusters == 2 and len(result.clusters[0]) == 7
    assert result.acc == [1.0] and result.nmi == pytest.approx([1.0])


def test_directed_graph_is_refused(toy_graph: dict) -> None:
    with pytest.raises(UsageError, match="clustering treats the graph as undirected"):
        cluster(ClusterConfig(directed=True, **toy_graph))


@pytest.mark.parametrize("method", ["gae", "vgae"])
def test_autoencoders_run_in_the_loop_and_report_the_last_epoch(method: str) -> None:
    config = ClusterConfig(
        dataset="karate", method=method, runs=2, epochs=30, restarts=3, device="cpu"
    )
    epochs_seen = []
    result = cluster(config, on_epoch=lambda s: epochs_seen.append((s.run, s.epoch)))
    assert result.task == "cluster" and result.model == method
    assert epochs_seen == [(r, e) for r in range(2) for e in range(1, 31)]
    assert result.best_epoch == [30, 30] and result.epochs == [30, 30]  # no selection
    assert len(result.states) == 2 and len(result.history[0]) == 30
    # the clusters are k-means (seeded by the run) of the last epoch's embeddings
    task = AutoencoderClustering.prepare(config, torch.device("cpu"))
    for seed, state, clusters in zip(result.seeds, result.states, result.clusters, strict=True):
        z = task.embed(state)
        assert clusters == kmeans(z, 2, restarts=3, seed=seed).tolist()
    torch.testing.assert_close(result.embedding, task.embed(result.states[0]))
    from gcnlab.data.karate import read_karate

    assert result.acc[1] == cluster_scores(read_karate().y, result.clusters[1]).acc


@pytest.mark.slow
def test_smooth_reproduces_agc_on_cora(planetoid_root) -> None:  # noqa: ANN001
    # AGC reports ACC 68.9, NMI 53.7, F1 65.6 at p = 12 on Cora (Zhang et al., IJCAI 2019)
    result = cluster(
        ClusterConfig(dataset="cora", method="smooth", runs=2, root=str(planetoid_root))
    )
    assert result.power == [12, 12]
    assert result.acc_mean >= 0.689 and result.nmi_mean >= 0.537 and result.f1_mean >= 0.656
