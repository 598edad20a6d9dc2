"""Your own graph in, your results out: graph files on the command line, splits, bad input,
--predictions, --pairs, embed, rerun, --threads, and the same numbers from every format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest
import torch
from cli_runner import invoke as run_cli

from gcnlab import NodeConfig, load_graph, train_node


def invoke(*args: object):  # noqa: ANN201
    return run_cli([str(a) for a in args])


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def karate_csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Karate as an edge list with string ids, a labels file (2 unlabeled) and no features."""
    folder = tmp_path_factory.mktemp("karate_csv")
    graph = nx.karate_club_graph()
    name = {i: f"m{i:02d}" for i in graph.nodes}
    edges = folder / "edges.csv"
    edges.write_text("source,target\n" + "".join(f"{name[u]},{name[v]}\n" for u, v in graph.edges))
    labels = folder / "labels.csv"
    labels.write_text(
        "node,label\n"
        + "".join(
            f"{name[i]},{'' if i in (5, 6) else graph.nodes[i]['club']}\n" for i in graph.nodes
        )
    )
    return {"edges": edges, "labels": labels}


@pytest.mark.slow  # ~15 s: reads Cora from CSV and GraphML; test_graph_export checks the tensors
def test_every_format_trains_like_gcnlab_train_cora(cora_files: dict, planetoid_root: Path) -> None:
    """Cora from npz, CSV and GraphML: the same test accuracy, seed for seed, as cora by name."""
    common = dict(runs=2, epochs=30, device="cpu")
    reference = train_node(NodeConfig(dataset="cora", root=str(planetoid_root), **common))
    for fmt, files in cora_files.items():
        config = NodeConfig(
            dataset=str(files["source"]),
            features_file=None if "features" not in files else str(files["features"]),
            labels_file=None if "labels" not in files else str(files["labels"]),
            **common,
        )
        result = train_node(config)
        assert result.test_acc == reference.test_acc, fmt
        assert result.best_epoch == reference.best_epoch, fmt


def test_cli_trains_an_npz_like_cora(
    cora_files: dict, planetoid_root: Path, tmp_path: Path
) -> None:
    by_name = invoke(
        "train",
        "cora",
        "--root",
        planetoid_root,
        "--runs",
        1,
        "--epochs",
        20,
        "--json",
        tmp_path / "a.json",
    )
    by_file = invoke(
        "train",
        cora_files["npz"]["source"],
        "--runs",
        1,
        "--epochs",
        20,
        "--json",
        tmp_path / "b.json",
    )
    assert by_name.exit_code == 0 and by_file.exit_code == 0, by_file.output
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert a["test_acc"] == b["test_acc"] and b["dataset"] == str(cora_files["npz"]["source"])
    assert b["split"]["spec"]["kind"] == "auto" and b["split"]["sizes"] == [[140, 500, 1000]]


def test_random_split_on_the_command_line(karate_csv: dict, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = invoke(
        "train",
        karate_csv["edges"],
        "--labels-file",
        karate_csv["labels"],
        "--split",
        "random:3,6,10",
        "--runs",
        2,
        "--epochs",
        10,
        "--json",
        out,
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["split"]["spec"] == {
        "kind": "random",
        "per_class": 3,
        "num_val": 6,
        "num_test": 10,
        "ratios": None,
        "seed": None,
        "folds": 5,
    }
    assert payload["split"]["sizes"] == [[6, 6, 10], [6, 6, 10]]
    assert payload["config"]["split"] == "random:3,6,10"


def test_node_predictions_csv(karate_csv: dict, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    result = invoke(
        "train",
        karate_csv["edges"],
        "--labels-file",
        karate_csv["labels"],
        "--split",
        "0.5,0.25,0.25@1",
        "--runs",
        2,
        "--epochs",
        20,
        "--predictions",
        out,
        "--json",
        tmp_path / "r.json",
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert [r["node"] for r in rows][:3] == ["m00", "m01", "m02"] and len(rows) == 34
    assert list(rows[0]) == ["node", "split", "label", "predicted", "p_Mr. Hi", "p_Officer"]
    for r in rows:
        probs = [float(r["p_Mr. Hi"]), float(r["p_Officer"])]
        assert sum(probs) == pytest.approx(1, abs=1e-5)
        if abs(probs[0] - probs[1]) > 1e-6:  # else a tie in the printed digits
            assert r["predicted"] == ("Mr. Hi" if probs[0] > probs[1] else "Officer")
    assert rows[5]["label"] == "" and rows[5]["split"] == ""  # unlabeled: in no split
    payload = json.loads((tmp_path / "r.json").read_text())
    sizes = payload["split"]["sizes"][0]
    assert [sum(r["split"] == s for r in rows) for s in ("train", "val", "test")] == sizes


def test_link_predictions_and_pairs(karate_csv: dict, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("source,target\nm00,m33\nm33,m00\n")
    out = tmp_path / "l.csv"
    result = invoke(
        "linkpred",
        karate_csv["edges"],
        "--runs",
        1,
        "--epochs",
        20,
        "--predictions",
        out,
        "--pairs",
        pairs,
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    kinds = [r["kind"] for r in rows]
    assert kinds.count("test_edge") == kinds.count("test_non_edge") == 7  # floor(78 / 10)
    assert [(r["source"], r["target"]) for r in rows if r["kind"] == "pair"] == [
        ("m00", "m33"),
        ("m33", "m00"),
    ]
    a, b = (float(r["probability"]) for r in rows if r["kind"] == "pair")
    assert a == b and 0 < a < 1  # the inner-product decoder is symmetric
    missing = tmp_path / "bad.csv"
    missing.write_text("m00,zz\n")
    bad = invoke(
        "linkpred",
        karate_csv["edges"],
        "--runs",
        1,
        "--epochs",
        2,
        "--predictions",
        tmp_path / "x.csv",
        "--pairs",
        missing,
    )
    assert bad.exit_code == 2 and "bad.csv, line 1: node 'zz' is not in the graph" in bad.output


@pytest.mark.parametrize(
    "content,name,message",
    [
        ("a,b\nb,c,d\n", "edges.csv", "edges.csv, line 2: expected 2 columns"),
        (None, "evil.npz", "labels holds pickled Python objects"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tmp_path: Path, content: str | None, name: str, message: str
) -> None:
    path = tmp_path / name
    if content is None:
        import numpy as np

        np.savez(
            path,
            adj_data=np.ones(1),
            adj_indices=np.array([1]),
            adj_indptr=np.array([0, 1, 1]),
            adj_shape=np.array([2, 2]),
            labels=np.array([{"a": 1}, {"b": 2}], dtype=object),
        )
    else:
        path.write_text(content)
    out = tmp_path / "never.json"
    result = invoke("train", path, "--json", out, "--predictions", tmp_path / "never.csv")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "never.csv").exists()


def test_graph_options_refused_for_named_datasets() -> None:
    result = invoke("train", "karate", "--directed")
    assert result.exit_code == 2 and "--directed applies to graph files, not to karate" in (
        result.output
    )
    result = invoke("linkpred", "karate", "--featureless", "ones")
    assert result.exit_code == 2 and "--featureless applies to graph files" in result.output


def test_embed_from_training_and_from_checkpoint(karate_csv: dict, tmp_path: Path) -> None:
    from gcnlab.io.checkpoint import load_checkpoint
    from gcnlab.tasks.predict import node_embeddings

    ckpt = tmp_path / "k.pt"
    trained = invoke(
        "train",
        karate_csv["edges"],
        "--labels-file",
        karate_csv["labels"],
        "--split",
        "0.5,0.25,0.25",
        "--runs",
        2,
        "--epochs",
        20,
        "--save",
        ckpt,
    )
    assert trained.exit_code == 0, trained.output
    result = invoke("embed", ckpt, "--out", tmp_path / "e.npy")
    assert result.exit_code == 0, result.output
    import numpy as np

    emb = np.load(tmp_path / "e.npy", allow_pickle=False)
    ids = read_csv(tmp_path / "e.ids.csv")
    assert emb.shape == (34, 16) and [r["node"] for r in ids][:2] == ["m00", "m01"]
    _, expected, _ = node_embeddings(load_checkpoint(ckpt))
    assert np.array_equal(emb, expected.numpy())
    vgae = invoke(
        "embed", karate_csv["edges"], "--model", "vgae", "--epochs", 10, "--out", tmp_path / "z.npz"
    )
    assert vgae.exit_code == 0, vgae.output
    with np.load(tmp_path / "z.npz", allow_pickle=False) as f:
        assert f["embeddings"].shape == (34, 16) and f["node_ids"][0] == "m00"


def test_rerun_reproduces_exactly_and_reports_differences(karate_csv: dict, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    first = invoke(
        "train",
        karate_csv["edges"],
        "--labels-file",
        karate_csv["labels"],
        "--split",
        "random:2,6,10",
        "--runs",
        2,
        "--epochs",
        30,
        "--json",
        out,
    )
    assert first.exit_code == 0, first.output
    again = invoke("rerun", out, "--json", tmp_path / "again.json")
    assert again.exit_code == 0, again.output
    assert "every recorded metric is the same" in again.output
    a, b = (json.loads(p.read_text()) for p in (out, tmp_path / "again.json"))
    assert a["test_acc"] == b["test_acc"] and a["history"] == b["history"]
    payload = json.loads(out.read_text())
    payload["test_acc"][1] += 0.5
    payload["versions"]["torch"] = "0.0.1"
    out.write_text(json.dumps(payload))
    changed = invoke("rerun", out)
    assert changed.exit_code == 1
    assert "warning: torch 0.0.1 recorded" in changed.output
    assert "1 recorded metric(s) differ" in changed.output and "test_acc:" in changed.output


def test_threads_option_sets_torch_and_the_library_does_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    result = invoke("train", "karate", "--runs", 1, "--epochs", 2, "--threads", 3)
    assert result.exit_code == 0 and calls == [3]
    calls.clear()
    assert invoke("train", "karate", "--runs", 1, "--epochs", 2).exit_code == 0
    assert calls == [1]  # the documented default
    calls.clear()
    train_node(NodeConfig(dataset="karate", runs=1, epochs=2))
    assert calls == []  # the library keeps torch's setting


def test_train_node_on_objects() -> None:
    graph = nx.karate_club_graph()
    by_object = train_node(
        NodeConfig(runs=1, epochs=20, label_attr="club", split="random:2,6,10"), data=graph
    )
    assert by_object.config["dataset"] == by_object.dataset == "<in-memory graph>"
    data = load_graph(graph, label="club")
    by_data = train_node(NodeConfig(runs=1, epochs=20, split="random:2,6,10"), data=data)
    assert by_data.test_acc == by_object.test_acc


def test_best_run_ranks_runs_by_their_tasks_validation_score() -> None:
    from gcnlab.io.checkpoint import Checkpoint
    from gcnlab.tasks.predict import best_run

    def checkpoint(task: str, **metrics: list[float]) -> Checkpoint:
        return Checkpoint(Path("run.pt"), task, "gcn", {}, "karate", "", metrics, "0")

    node = checkpoint("node", val_acc=[0.7, 0.8, 0.8], val_auc=[0.99, 0, 0], val_ap=[0.99, 0, 0])
    assert best_run(node) == 1  # val_acc; the first on ties
    link = checkpoint("link", val_acc=[0.9, 0, 0], val_auc=[0.8, 0.9, 0.85], val_ap=[0.8, 0.8, 0.9])
    assert best_run(link) == 2  # val_auc + val_ap: 1.6, 1.7, 1.75


def test_header_option_overrides_the_guess(tmp_path: Path) -> None:
    """An edge list whose first line looks like a header: detected by default (and logged),
    read as an edge with --no-header, skipped with --header even when it looks like data."""
    from gcnlab.train.graph_input import GraphInput

    named = tmp_path / "named.csv"
    named.write_text("u,v\na,b\nb,c\n")
    assert GraphInput(dataset=str(named)).load_graph().num_nodes == 3  # u,v taken as a header
    assert GraphInput(dataset=str(named), header=False).load_graph().num_nodes == 5
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("0,1\n1,2\n2,3\n")
    assert GraphInput(dataset=str(numbers)).load_graph().num_nodes == 4
    assert GraphInput(dataset=str(numbers), header=True).load_graph().num_nodes == 3
    ring = tmp_path / "ring.csv"  # its first line, numbers too, is a header with --header
    ring.write_text("100,101\n" + "".join(f"{i},{(i + 1) % 20}\n" for i in range(20)))
    labels = tmp_path / "ring-labels.csv"
    labels.write_text("node,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    out = tmp_path / "r.json"
    result = invoke("train", ring, "--labels-file", labels, "--header", "--split", "0.4,0.3,0.3",
                    "--epochs", 2, "--runs", 1, "--json", out)
    assert result.exit_code == 0, result.output
    recorded = json.loads(out.read_text())
    assert recorded["config"]["header"] is True and recorded["split"]["sizes"] == [[8, 6, 6]]
    refused = invoke("train", "karate", "--no-header")
    assert refused.exit_code == 2
    assert "--header applies to graph files, not to karate" in refused.output


def test_a_folder_named_like_a_graph_file_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "edges.csv"
    folder.mkdir()
    result = invoke("train", folder, "--epochs", 1)
    assert result.exit_code == 2
    assert f"error: {folder} is a folder, not a file; give the file inside it" in result.output
    labels = tmp_path / "labels.csv"
    labels.mkdir()
    edges = tmp_path / "e.csv"
    edges.write_text("0,1\n1,2\n")
    result = invoke("train", edges, "--labels-file", labels, "--epochs", 1)
    assert result.exit_code == 2 and "is a folder, not a file" in result.output


def test_errors_name_the_flag_to_pass(tmp_path: Path) -> None:
    """A refusal says what to type: the command-line option, not only the library's keyword."""
    edges = tmp_path / "e.csv"
    edges.write_text("".join(f"{i},{(i + 1) % 12}\n" for i in range(12)))
    result = invoke("cluster", edges, "--method", "spectral", "--runs", 1)
    assert result.exit_code == 2
    assert "give the number of clusters (--k on the command line" in result.output
    result = invoke("train", edges, "--epochs", 1)
    assert result.exit_code == 2 and "'gcnlab embed --model gae'" in result.output
    graph = tmp_path / "g.graphml"
    import networkx as nx

    nx.write_graphml(nx.path_graph(4), graph)
    labels = tmp_path / "l.csv"
    labels.write_text("0,1\n")
    result = invoke("train", graph, "--labels-file", labels, "--epochs", 1)
    assert result.exit_code == 2 and "--labels-file (labels=)" in result.output
