"""Every command's inputs and outputs are checked together before any work: an output that is an
input (by its name, a symbolic link or a hard link) is refused with exit 2 and the input is left
as it was; a pairs file is checked against the graph before the first epoch."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import networkx as nx
import pytest
from cli_runner import invoke

import gcnlab.train.loop as loop

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")

QUICK = ["--runs", "1", "--epochs", "2", "--device", "cpu"]
KINDS = ["name", "symlink", "hardlink"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Karate as an edge list (string ids) with labels and features files, a pairs file, and
    a checkpoint and a result JSON of a 2-epoch run on them."""
    folder = tmp_path_factory.mktemp("inputs")
    graph = nx.karate_club_graph()
    edges = folder / "edges.csv"
    edges.write_text("source,target\n" + "".join(f"m{u},m{v}\n" for u, v in graph.edges))
    labels = folder / "labels.csv"
    labels.write_text(
        "node,label\n" + "".join(f"m{i},{graph.nodes[i]['club']}\n" for i in graph.nodes)
    )
    features = folder / "features.csv"
    features.write_text("".join(f"m{i},{i % 3},{i % 5}\n" for i in graph.nodes))
    pairs = folder / "pairs.csv"
    pairs.write_text("m0,m33\n")
    run, record = folder / "run.pt", folder / "run.json"
    trained = invoke(["train", edges, "--labels-file", labels, "--features-file", features,
                      *QUICK, "--split", "0.6,0.2,0.2", "--save", run, "--json", record])
    assert trained.exit_code == 0, trained.output
    return {"edges": edges, "labels": labels, "features": features, "pairs": pairs,
            "run": run, "record": record}


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr(loop, "train_run", refuse)


def _alias(path: Path, kind: str, folder: Path) -> Path:
    """``path`` under another name: itself by a longer path, a symbolic or a hard link."""
    if kind == "name":
        return path.parent / "." / path.name
    folder.mkdir(parents=True, exist_ok=True)
    alias = folder / f"{kind}{path.suffix}"
    if kind == "symlink":
        alias.symlink_to(path)
    else:
        os.link(path, alias)
    return alias


def _refused(args: list, victim: Path, option: str, role: str) -> None:
    before = victim.read_bytes()
    result = invoke(args)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith(f"error: {option} ") and "\n" not in line, result.stderr
    assert f" is the same file as {role} {victim}" in line
    assert line.endswith("writing it would destroy the input: give another path")
    assert victim.read_bytes() == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("option", "input_", "role"),
    [
        ("--predictions", "edges", "the graph file"),
        ("--json", "labels", "--labels-file"),
        ("--save", "features", "--features-file"),
    ],
)
def test_train_refuses_to_write_over_an_input(
    files: dict, tmp_path: Path, no_training: None, kind: str, option: str, input_: str, role: str
) -> None:
    out = _alias(files[input_], kind, tmp_path)
    args = ["train", files["edges"], "--labels-file", files["labels"], "--features-file",
            files["features"], *QUICK, option, out]
    _refused(args, files[input_], option, role)


@pytest.mark.parametrize("kind", KINDS)
def test_linkpred_refuses_predictions_over_its_pairs(
    files: dict, tmp_path: Path, no_training: None, kind: str
) -> None:
    out = _alias(files["pairs"], kind, tmp_path)
    args = ["linkpred", files["edges"], *QUICK, "--predictions", out, "--pairs", files["pairs"]]
    _refused(args, files["pairs"], "--predictions", "--pairs")


@pytest.mark.parametrize("kind", KINDS)
def test_embed_refuses_its_out_and_ids_file_over_inputs(
    files: dict, tmp_path: Path, no_training: None, kind: str
) -> None:
    # an .npz graph written over by --out
    graph = tmp_path / "g.npz"
    shutil.copy(files["run"], graph)  # any bytes: the check comes before reading it
    out = _alias(graph, kind, tmp_path / "sub")
    _refused(["embed", graph, "--out", out, "--model", "gae"], graph, "--out", "the graph file")
    # the implicit <stem>.ids.csv beside an .npy --out
    ids = tmp_path / "emb.ids.csv"
    shutil.copy(files["edges"], ids)
    _refused(["embed", ids, "--model", "gae", *QUICK, "--out", tmp_path / "emb.npy"], ids,
             "--out's ids file", "the graph file")


@pytest.mark.parametrize("kind", KINDS)
def test_cluster_evaluate_rerun_refuse_outputs_over_inputs(
    files: dict, tmp_path: Path, no_training: None, kind: str
) -> None:
    out = _alias(files["labels"], kind, tmp_path)
    _refused(["cluster", files["edges"], "--labels-file", files["labels"], "--method", "gae",
              "--runs", "1", "--epochs", "2", "--save-clusters", out],
             files["labels"], "--save-clusters", "--labels-file")
    run = _alias(files["run"], kind, tmp_path / "r")
    _refused(["evaluate", files["run"], "--device", "cpu", "--json", run], files["run"],
             "--json", "the checkpoint")
    record = _alias(files["record"], kind, tmp_path / "j")
    _refused(["rerun", files["record"], "--json", record], files["record"], "--json",
             "the record")
    # the data a record names is an input too
    graph = _alias(files["edges"], kind, tmp_path / "g")
    _refused(["rerun", files["record"], "--json", graph], files["edges"], "--json",
             "the graph file")


def test_outputs_among_themselves_and_the_partition_file(
    files: dict, tmp_path: Path, no_training: None
) -> None:
    out = tmp_path / "o.json"
    digits = invoke(["digits", "--runs", "1", "--epochs", "1", "--json", out, "--save", out])
    assert digits.exit_code == 2
    assert digits.stderr.startswith("error: --json and --save are the same file")
    parts = invoke(["train", files["edges"], "--labels-file", files["labels"], *QUICK,
                    "--batch", "clusters", "--parts", "2", "--clusters-per-batch", "1",
                    "--partition-file", out, "--json", out])
    assert parts.exit_code == 2
    assert parts.stderr.startswith("error: --json and --partition-file are the same file")
    assert not out.exists()


def test_a_pairs_id_not_in_the_graph_fails_before_the_first_epoch(
    files: dict, tmp_path: Path, no_training: None
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("m0,zz\n")
    result = invoke(["linkpred", files["edges"], *QUICK, "--predictions", tmp_path / "p.csv",
                     "--pairs", bad])
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: " + f"{bad}, line 1: node 'zz' is not in the graph\n"
    assert not (tmp_path / "p.csv").exists()


def test_saved_runs_reload_from_another_folder(
    files: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # trained with paths relative to the data's folder, reloaded from another folder
    monkeypatch.chdir(files["edges"].parent)
    run, record = tmp_path / "run.pt", tmp_path / "run.json"
    trained = invoke(["train", "edges.csv", "--labels-file", "labels.csv", *QUICK, "--split",
                      "0.6,0.2,0.2", "--save", run, "--json", record])
    assert trained.exit_code == 0, trained.output
    recorded = json.loads(record.read_text())
    assert recorded["config"]["dataset"] == str(files["edges"].resolve())
    assert recorded["config"]["labels_file"] == str(files["labels"].resolve())
    assert recorded["dataset"] == str(files["edges"].resolve())  # the label agrees
    monkeypatch.chdir(tmp_path)
    ev = invoke(["evaluate", run, "--device", "cpu"])
    assert ev.exit_code == 0, ev.output
    assert "equal to the metrics the run reported" in ev.stdout
    again = invoke(["rerun", record])
    assert again.exit_code == 0, again.output
    assert "every recorded metric is the same" in again.stdout


def test_data_option_and_old_relative_records(files: dict, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a record written with relative paths, moved with its data to another folder
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("edges", "labels", "features"):
        shutil.copy(files[name], moved / files[name].name)
    payload = json.loads(files["record"].read_text())
    for key, name in (("dataset", "edges"), ("labels_file", "labels"),
                      ("features_file", "features")):
        payload["config"][key] = files[name].name
    (moved / "old.json").write_text(json.dumps(payload))
    monkeypatch.chdir(tmp_path)
    old = invoke(["rerun", moved / "old.json"])
    assert old.exit_code == 0, old.output
    assert "every recorded metric is the same" in old.stdout
    # --data: the same graph elsewhere is accepted, another graph refused by its fingerprint
    copy = tmp_path / "copy.csv"
    shutil.copy(files["edges"], copy)
    ev = invoke(["evaluate", files["run"], "--device", "cpu", "--data", copy])
    assert ev.exit_code == 0, ev.output
    other = tmp_path / "other.csv"
    other.write_text(files["edges"].read_text() + "m0,m9\n")
    again = invoke(["rerun", files["record"], "--data", other])
    assert again.exit_code == 1
    assert "fingerprint" in again.stdout
    refused = invoke(["evaluate", files["run"], "--device", "cpu", "--data", other])
    assert refused.exit_code == 1
    assert "fingerprint" in refused.stderr or "data" in refused.stderr


def test_full_batch_runs_record_one_process(files: dict) -> None:
    payload = json.loads(files["record"].read_text())
    assert payload["processes"] == 1 and payload["backend"] is None
    assert payload["batch_plan"] == {"kind": "full"}


def test_a_recorded_partition_file_is_never_written(files: dict, tmp_path: Path) -> None:
    pytest.importorskip("pymetis")
    graph = nx.karate_club_graph()
    labels = tmp_path / "labels.csv"  # the graph's own split, which --batch clusters needs
    labels.write_text("node,label,split\n" + "".join(
        f"m{i},{graph.nodes[i]['club']},{('train', 'val', 'test')[i % 3]}\n" for i in graph.nodes
    ))
    parts, record, run = tmp_path / "parts.npz", tmp_path / "r.json", tmp_path / "r.pt"
    trained = invoke(["train", files["edges"], "--labels-file", labels, *QUICK, "--batch",
                      "clusters", "--parts", "2", "--clusters-per-batch", "1",
                      "--partition-file", parts, "--json", record, "--save", run])
    assert trained.exit_code == 0, trained.output
    assert parts.is_file()  # named on the command line: written
    payload = json.loads(record.read_text())
    assert payload["batch_plan"] == {"kind": "clusters", "parts": 2, "clusters_per_batch": 1}
    elsewhere = tmp_path / "made" / "by" / "a-record.npz"
    payload["config"]["partition_file"] = str(elsewhere)
    record.write_text(json.dumps(payload))
    again = invoke(["rerun", record])
    assert again.exit_code == 0, again.output
    assert "every recorded metric is the same" in again.stdout
    ev = invoke(["evaluate", run, "--device", "cpu"])
    assert ev.exit_code == 0, ev.output
    assert not (tmp_path / "made").exists()


def _record(files: dict, **changes: object) -> dict:
    payload = json.loads(files["record"].read_text())
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda f: {"task": 5, "config": {}}, "'task' must be a string, found int"),
        (lambda f: {"task": "node", "config": [1]}, "'config' must be a JSON object, found list"),
        (lambda f: _record(f, config={**_record(f)["config"], "epochs": "ten"}),
         "a recorded config value has the wrong type"),
        (lambda f: _record(f, config={**_record(f)["config"], "runs": [1]}),
         "a recorded config value has the wrong type"),
        (lambda f: _record(f, threads=10**30), "'threads' must be a whole number from 1 to"),
        (lambda f: _record(f, threads="2"), "'threads' must be a whole number from 1 to"),
        (lambda f: _record(f, threads=0), "'threads' must be a whole number from 1 to"),
    ],
)
def test_rerun_refuses_wrongly_typed_records(
    files: dict, tmp_path: Path, no_training: None, content: object, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content(files)))  # type: ignore[operator]
    result = invoke(["rerun", path])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_rerun_refuses_deep_nesting_and_huge_records(
    tmp_path: Path, no_training: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"task": "node", "config": {}, "x": ' + "[" * 10**6 + "]" * 10**6 + "}")
    result = invoke(["rerun", deep])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {deep}: not a gcnlab result JSON (nested too deeply)\n"

    import gcnlab.train.bounds as bounds

    monkeypatch.setattr(bounds, "MAX_RECORD_BYTES", 2**20)
    huge = tmp_path / "huge.json"
    huge.write_text('{"task": "node", "config": {}, "x": "' + "a" * 2**20 + '"}')
    result = invoke(["rerun", huge])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: {huge}: larger than 1 MiB, more than a gcnlab result JSON holds\n"
    )


def test_one_run_prints_no_spread(files: dict) -> None:
    result = invoke(["train", "karate", *QUICK])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"karate: test accuracy \d+\.\d % over 1 run \(.*\)", result.stdout.strip())
    ev = invoke(["evaluate", files["run"], "--device", "cpu"])
    assert re.search(r": test accuracy \d+\.\d % over 1 run", ev.stdout), ev.output


@pytest.mark.parametrize("command", [["train", "karate"], ["linkpred", "karate"],
                                     ["digits"], ["rerun", "r.json"]])
def test_threads_are_bounded(command: list[str], no_training: None) -> None:
    result = invoke([*command, "--threads", "99999999999"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "'--threads': Input should be less than or equal to 4096" in result.stderr


def test_datasets_lists_digits_as_images(tmp_path: Path) -> None:
    result = invoke(["datasets", "--root", tmp_path], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "│ digits " in line)
    assert "built in" in row and "images" in row


def test_a_checkpoint_under_a_folder_with_capitals_evaluates(tmp_path: Path) -> None:
    """Records hold absolute paths; a capital letter in one is not a different dataset."""
    folder = tmp_path / "Runs"
    folder.mkdir()
    edges = folder / "E.csv"
    edges.write_text("".join(f"{i},{(i + 1) % 20}\n" for i in range(20)))
    labels = folder / "L.csv"
    labels.write_text("".join(f"{i},{i % 2}\n" for i in range(20)))
    run = folder / "r.pt"
    trained = invoke(["train", str(edges), "--labels-file", str(labels), "--split",
                      "0.4,0.3,0.3", "--epochs", "2", "--runs", "1", "--save", str(run)])
    assert trained.exit_code == 0, trained.output
    result = invoke(["evaluate", str(run)])
    assert result.exit_code == 0, result.output
    assert "equal to the metrics the run reported" in result.output


def test_embed_from_a_checkpoint_never_writes_over_its_graph(tmp_path: Path) -> None:
    import numpy as np

    graph = tmp_path / "g.npz"
    np.savez(graph, adj_indptr=np.array([0, 1, 3, 4, 5, 6, 7]),
             adj_indices=np.array([1, 0, 2, 1, 4, 5, 3]), adj_data=np.ones(7),
             adj_shape=np.array([6, 6]), labels=np.array([0, 0, 0, 1, 1, 1]))
    before = graph.read_bytes()
    run = tmp_path / "r.pt"
    trained = invoke(["train", str(graph), "--split", "0.5,0.25,0.25", "--epochs", "2", "--runs",
                      "1", "--save", str(run)])
    assert trained.exit_code == 0, trained.output
    result = invoke(["embed", str(run), "--out", str(graph)])
    assert result.exit_code == 2
    assert "is the same file as the graph file" in result.output
    assert graph.read_bytes() == before


def test_changed_data_names_the_option_that_points_at_the_right_file(tmp_path: Path) -> None:
    edges = tmp_path / "e.csv"
    edges.write_text("".join(f"{i},{(i + 1) % 20}\n" for i in range(20)))
    labels = tmp_path / "l.csv"
    labels.write_text("".join(f"{i},{i % 2}\n" for i in range(20)))
    run = tmp_path / "r.pt"
    trained = invoke(["train", str(edges), "--labels-file", str(labels), "--split",
                      "0.4,0.3,0.3", "--epochs", "2", "--runs", "1", "--save", str(run)])
    assert trained.exit_code == 0, trained.output
    edges.write_text(edges.read_text() + "0,10\n")  # another graph under the same name
    result = invoke(["evaluate", str(run)])
    assert result.exit_code == 1
    assert "give the graph file it was trained on with --data FILE" in result.output
