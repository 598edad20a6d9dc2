"""The command line: `gcnlab cluster` and `gcnlab karate`, their options, outputs and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import invoke


def test_choices_are_the_library_names() -> None:
    from gcnlab.community.config import METHOD_NAMES
    from gcnlab.community.detect import METHODS
    from gcnlab.data.karate import COMMUNITIES
    from gcnlab.tasks.karate_config import COMMUNITY_NAMES

    assert METHOD_NAMES == tuple(METHODS)
    assert COMMUNITY_NAMES == tuple(COMMUNITIES)


def test_cluster_karate_json_and_clusters(tmp_path: Path) -> None:
    out, csv = tmp_path / "c.json", tmp_path / "c.csv"
    result = invoke(
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
    import gcnlab.community.detect as tc

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
    result = invoke(
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
    result = invoke(["cluster", "karate", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")


def test_unlabelled_graph_file_writes_its_clusters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # two triangles joined by one edge, node 6 isolated (only in the features file), no labels
    (tmp_path / "toy.csv").write_text("0,1\n1,2\n0,2\n3,4\n4,5\n3,5\n2,3\n")
    rows = ["0,1,0", "1,1,0", "2,1,0", "3,0,1", "4,0,1", "5,0,1", "6,1,1"]
    (tmp_path / "features.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    args = ["cluster", "toy.csv", "--features-file", "features.csv", "--runs", "2"]
    result = invoke([*args, "--method", "smooth", "--k", "2", "--max-power", "3"])
    assert result.exit_code == 0, result.output
    assert "toy.csv smooth: 2 clusters, 2 runs" in result.output
    assert "no labels: clusters not scored" in result.output
    assert "wrote toy-smooth-clusters.csv" in result.output
    lines = (tmp_path / "toy-smooth-clusters.csv").read_text().splitlines()
    assert lines[0] == "node,seed_0,seed_1" and len(lines) == 8  # the isolated node too
    first = [int(line.split(",")[1]) for line in lines[1:]]
    assert len(set(first[:3])) == 1 and len(set(first[3:6])) == 1 and first[0] != first[3]
    result = invoke([*args, "--method", "spectral"])
    assert result.exit_code == 2 and "error: toy.csv has no labels" in result.output


def test_karate_command(tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    result = invoke(
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
    result = invoke(["karate", "--communities", "clubs"])
    assert result.exit_code == 2 and "Invalid value for '--communities'" in result.output


@pytest.mark.parametrize("method", ["gae", "smooth"])
def test_saved_clusters_are_keyed_by_the_input_ids(tmp_path: Path, method: str) -> None:
    # two 5-cliques joined by one edge; ids are text and sparse numbers, and the features file
    # lists them in another order than the edge list (it numbers the nodes)
    left, right = ["n17", "1000", "paper_3", "7", "x"], ["42", "b,c", "900", "y", "003"]
    edges = [(a, b) for group in (left, right) for i, a in enumerate(group) for b in group[i + 1 :]]
    edges.append(("x", "42"))
    quote = {"b,c": '"b,c"'}
    (tmp_path / "edges.csv").write_text(
        "".join(f"{quote.get(a, a)},{quote.get(b, b)}\n" for a, b in edges)
    )
    order = [right[3], left[0], right[0], left[4], right[1], left[2], right[2], left[1]]
    order += [right[4], left[3]]
    (tmp_path / "features.csv").write_text(
        "".join(f"{quote.get(n, n)},{int(n in left)},{int(n in right)}\n" for n in order)
    )
    labels = {n: "a" if n in left else "b" for n in order}
    (tmp_path / "labels.csv").write_text(
        "node,label\n" + "".join(f"{quote.get(n, n)},{c}\n" for n, c in labels.items())
    )
    out = tmp_path / "cl.csv"
    args = ["cluster", str(tmp_path / "edges.csv"), "--method", method, "--runs", "2"]
    args += ["--features-file", str(tmp_path / "features.csv")]
    args += ["--labels-file", str(tmp_path / "labels.csv"), "--save-clusters", str(out)]
    result = invoke([*args, "--epochs", "50"] if method == "gae" else args)
    assert result.exit_code == 0, result.output
    import csv

    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["node", "seed_0", "seed_1"]
    assert [row[0] for row in rows[1:]] == order  # the input's ids, in the graph's node order
    for column in (1, 2):  # joined on the ids, every run's clusters are the two cliques
        clusters = {row[0]: row[column] for row in rows[1:]}
        assert len({clusters[n] for n in left}) == 1 and len({clusters[n] for n in right}) == 1
        assert clusters[left[0]] != clusters[right[0]]


def test_smoothing_order_at_the_cap_is_said(tmp_path: Path) -> None:
    # two labelled 5-cliques, features far apart: the intra-cluster distance falls at every
    # order up to --max-power 4, so the adaptive rule never stops
    left, right = range(5), range(5, 10)
    edges = [(a, b) for g in (left, right) for a in g for b in g if a < b] + [(4, 5)]
    (tmp_path / "edges.csv").write_text("".join(f"{a},{b}\n" for a, b in edges))
    gen = __import__("numpy").random.default_rng(0)
    rows = [[n, *(gen.normal(size=3) + 3 * (n >= 5)).round(3)] for n in range(10)]
    (tmp_path / "features.csv").write_text("".join(",".join(map(str, r)) + "\n" for r in rows))
    (tmp_path / "labels.csv").write_text("".join(f"{n},{int(n >= 5)}\n" for n in range(10)))
    out = tmp_path / "r.json"
    args = ["cluster", str(tmp_path / "edges.csv"), "--method", "smooth", "--runs", "2"]
    args += ["--features-file", str(tmp_path / "features.csv")]
    args += ["--labels-file", str(tmp_path / "labels.csv"), "--json", str(out)]
    result = invoke([*args, "--max-power", "4"])
    assert result.exit_code == 0, result.output
    assert "smoothing order p = 4 (the cap in 2 of 2 runs: the adaptive rule never stopped)" in (
        result.output
    )
    payload = json.loads(out.read_text())
    assert payload["power"] == [4, 4] and payload["stopped_by"] == ["cap", "cap"]
    result = invoke([*args, "--power", "2"])
    assert result.exit_code == 0 and "the cap" not in result.output
    assert json.loads(out.read_text())["stopped_by"] == ["fixed", "fixed"]
