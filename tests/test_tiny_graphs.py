"""Graphs too small for the task: link prediction on a star of 5 nodes, on one edge, on a
complete graph (no non-edges for the negatives), node classification on isolated nodes only:
each is refused in one line saying what the graph has and what the task needs (exit 2), never
PyG's error or a result of NaN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from cli_runner import invoke

from gcnlab.data.link_split import check_splittable, min_edges, split_edges
from gcnlab.errors import InputError


def _edges(path: Path, pairs: list[tuple[int, int]]) -> Path:
    path.write_text("source,target\n" + "".join(f"{u},{v}\n" for u, v in pairs))
    return path


def _one_error_line(result, code: int, pattern: str) -> None:  # noqa: ANN001
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.output and "nan" not in result.stdout


STAR = [(0, 1), (0, 2), (0, 3), (0, 4)]
COMPLETE_7 = [(u, v) for u in range(7) for v in range(u + 1, 7)]  # 21 edges, no non-edge


@pytest.mark.parametrize(
    ("pairs", "options", "pattern"),
    [
        (STAR, [], r"the graph has 4 edges .* needs at least 20 edges"),
        (STAR, ["--batch-size", "2"], r"the graph has 4 edges .* needs at least 20 edges"),
        ([(0, 1)], [], r"the graph has 1 edge \(self-loops and repeats aside\); .* 20 edges"),
        ([(0, 1), (2, 2), (3, 3)], [], r"the graph has 1 edge .* needs at least 20 edges"),
        (
            COMPLETE_7,
            [],
            r"21 edges among 7 nodes, so only 0 node pairs that are not edges; link prediction "
            r"needs 3 of them as negatives",
        ),
    ],
    ids=["star", "star-batches", "one-edge", "one-edge-and-isolated-nodes", "complete"],
)
def test_linkpred_refuses_a_graph_too_small_to_split(
    tmp_path: Path, pairs: list[tuple[int, int]], options: list[str], pattern: str
) -> None:
    graph = _edges(tmp_path / "g.csv", pairs)
    result = invoke(["linkpred", graph, "--epochs", "2", "--device", "cpu", *options])
    _one_error_line(result, 2, pattern)


@pytest.mark.parametrize("command", ["train", "linkpred"])
def test_isolated_nodes_only_are_refused(tmp_path: Path, command: str) -> None:
    graph = _edges(tmp_path / "g.csv", [(0, 0), (1, 1), (2, 2)])  # self-loops: no edge
    result = invoke([command, graph, "--epochs", "2", "--device", "cpu"])
    _one_error_line(result, 2, r"g\.csv: the graph has no edges \(self-loops aside\)")


def test_node_classification_on_one_edge(tmp_path: Path) -> None:
    """Two labeled nodes, one edge: the fractional split has nothing to validate on (one line),
    a labels file with its own split trains."""
    graph = _edges(tmp_path / "g.csv", [(0, 1)])
    labels = tmp_path / "labels.csv"
    labels.write_text("node,label\n0,0\n1,1\n")
    run = ["train", graph, "--labels-file", labels, "--epochs", "2", "--device", "cpu"]
    result = invoke([*run, "--split", "0.6,0.2,0.2"])
    _one_error_line(result, 2, r"fractions 0\.6,0\.2,0\.2 of 2 labeled nodes leave a split empty")
    labels.write_text("node,label,split\n0,0,train\n1,1,test\n2,0,val\n")
    graph = _edges(tmp_path / "g.csv", [(0, 1), (2, 2)])
    result = invoke([*run, "--runs", "1"])
    assert result.exit_code == 0, result.stderr
    assert "test accuracy" in result.stdout


def test_min_edges_and_the_split_agree() -> None:
    assert min_edges() == 20
    assert min_edges(0.0, 0.5) == 2 and min_edges(0.0, 0.0) == 1
    ring = torch.tensor([[i for i in range(20)], [(i + 1) % 20 for i in range(20)]])
    split = split_edges(ring, 20)  # the smallest graph that splits: one held-out edge of each
    assert (split.val_pos.size(1), split.test_pos.size(1), split.train_pos.size(1)) == (1, 2, 17)
    with pytest.raises(InputError, match="the graph has 19 edges"):
        split_edges(ring[:, :19], 20)
    with pytest.raises(InputError, match="only 0 node pairs"):
        check_splittable(21, 7)
