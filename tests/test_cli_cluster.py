"""The command line: `gcnlab cluster` and `gcnlab karate`, their options, outputs and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data
from typer.testing import CliRunner

import gcnlab.cli.cluster  # noqa: F401 (registers the commands)
import gcnlab.cli.karate  # noqa: F401
from gcnlab.cli.app import app
from gcnlab.cli.cluster import Assign, Features, Method
from gcnlab.cli.karate import Communities

runner = CliRunner()


def test_choices_are_the_library_names() -> None:
    from gcnlab.data.karate import COMMUNITIES
    from gcnlab.tasks.cluster import FEATURES, METHODS
    from gcnlab.tasks.clustering import ASSIGNMENTS

    assert [m.value for m in Method] == list(METHODS)
    assert [f.value for f in Features] == list(FEATURES)
    assert [a.value for a in Assign] == list(ASSIGNMENTS)
    assert [c.value for c in Communities] == [*COMMUNITIES, "both"]


def test_cluster_karate_json_and_clusters(tmp_path: Path) -> None:
    out, csv = tmp_path / "c.json", tmp_path / "c.csv"
    result = runner.invoke(
        app,
        [
            "cluster",
            "karate",
            "--method",
            "spectral",
            "--runs",
            "2",
            "--restarts",
            "2",
            "--json",
            str(out),
            "--save-clusters",
            str(csv),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "karate spectral: 2 clusters, 2 runs, k-means with 2 restarts" in result.output
    assert "ACC 94.1 ± 0.0, NMI" in result.output
    payload = json.loads(out.read_text())
    assert (payload["task"], payload["model"], payload["runs"]) == ("cluster", "spectral", 2)
    assert payload["acc"] == pytest.approx([32 / 34] * 2) and payload["labelled"]
    for absent in ("clusters", "embedding", "history", "states"):
        assert absent not in payload
    lines = csv.read_text().splitlines()
    assert lines[0] == "node,seed_0,seed_1" and len(lines) == 35
    assert lines[1].split(",")[0] == "0"


def test_anchors_are_printed_beside_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    import gcnlab.tasks.cluster as tc

    fake = tc.ClusterResult(
        model="gae",
        dataset="cora",
        runs=2,
        seeds=[0, 1],
        best_epoch=[200, 200],
        epochs=[200, 200],
        seconds=1.0,
        device="cpu",
        config={},
        num_clusters=7,
        restarts=10,
        labelled=True,
        acc=[0.6, 0.62],
        nmi=[0.45, 0.47],
        ari=[0.36, 0.38],
        f1=[0.58, 0.6],
        acc_mean=0.61,
        acc_std=0.014,
        nmi_mean=0.46,
        nmi_std=0.014,
        ari_mean=0.37,
        ari_std=0.014,
        f1_mean=0.59,
        f1_std=0.014,
    )
    seen = {}

    def fake_cluster(config, on_epoch=None, on_run=None):  # noqa: ANN001, ANN202
        seen["config"] = config
        return fake

    monkeypatch.setattr(tc, "cluster", fake_cluster)
    result = runner.invoke(
        app,
        [
            "cluster",
            "cora",
            "--method",
            "gae",
            "--k",
            "5",
            "--runs",
            "2",
            "--seed",
            "4",
            "--restarts",
            "3",
            "--features",
            "normalized",
            "--epochs",
            "9",
            "--lr",
            "0.02",
            "--hidden",
            "8",
            "--latent",
            "4",
            "--device",
            "cpu",
            "--root",
            "/nowhere",
        ],
    )
    assert result.exit_code == 0, result.output
    c = seen["config"]
    assert (c.dataset, c.method, c.k, c.runs, c.seed, c.restarts, c.features) == (
        "cora",
        "gae",
        5,
        2,
        4,
        3,
        "normalized",
    )
    assert (c.epochs, c.lr, c.hidden, c.latent, c.device, c.root) == (
        9,
        0.02,
        8,
        4,
        "cpu",
        "/nowhere",
    )
    assert "ACC 61.0 ± 1.4, NMI 46.0 ± 1.4, ARI 37.0 ± 1.4, F1 59.0 ± 1.4 %" in result.output
    assert "gcnlab gae" in result.output and "GAE (Pan et al. 2018) ←" in result.output
    assert "AGC (Zhang et al. 2019)" in result.output and "68.9" in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--k", "0"], "k (clusters) must be at least 1, got 0"),
        (["--k", "35"], "k (clusters) must be at most the number of nodes (34 in karate), got 35"),
        (["--method", "louvain"], "Invalid value for '--method'"),
        (["--restarts", "0"], "restarts must be between 1 and"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["cluster", "karate", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")


def test_unlabelled_graph_writes_its_clusters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gcnlab.tasks.cluster as tc

    edges = torch.tensor([[0, 1], [1, 2], [3, 4], [4, 5], [2, 3]]).t()
    data = Data(x=torch.eye(6), edge_index=torch.cat([edges, edges.flip(0)], dim=1), num_nodes=6)
    data.name = "toy"
    monkeypatch.setattr(tc, "load_dataset", lambda name, root=None: data)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["cluster", "karate", "--method", "spectral", "--k", "2", "--runs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "no labels: clusters not scored" in result.output
    assert "wrote toy-spectral-clusters.csv" in result.output
    assert (tmp_path / "toy-spectral-clusters.csv").read_text().splitlines()[0] == "node,seed_0"
    result = runner.invoke(app, ["cluster", "karate", "--method", "spectral", "--runs", "1"])
    assert result.exit_code == 2 and "toy has no labels" in result.output


def test_karate_command(tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    result = runner.invoke(
        app,
        [
            "karate",
            "--communities",
            "factions",
            "--epochs",
            "20",
            "--runs",
            "2",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "factions (2)" in result.output and "0, 33" in result.output
    payload = json.loads(out.read_text())
    assert list(payload) == ["factions"]
    factions = payload["factions"]
    assert factions["task"] == "karate" and len(factions["acc"]) == 2
    assert "frames" not in factions and "history" not in factions
    result = runner.invoke(app, ["karate", "--communities", "clubs"])
    assert result.exit_code == 2 and "Invalid value for '--communities'" in result.output
