"""Hostile input for gcnlab.data.nx_graph (GraphML, GML, networkx edge and adjacency lists)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from gcnlab import InputError
from gcnlab.data import edge_list
from gcnlab.data.graph_parts import assemble
from gcnlab.data.nx_graph import from_networkx, read_nx_file

BOM = "\ufeff"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def graphml(path: Path, graph: nx.Graph) -> Path:
    nx.write_graphml(graph, path)
    return path


def test_byte_order_mark_in_networkx_text_formats(tmp_path: Path) -> None:
    edges = read_nx_file(write(tmp_path / "g.edgelist", BOM + "a b\nb c\n"))
    assert edges.node_ids == ["a", "b", "c"]
    adj = read_nx_file(write(tmp_path / "g.adjlist", BOM + "a b c\nb c\n"))
    assert adj.node_ids == ["a", "b", "c"]
    gml = write(
        tmp_path / "g.gml",
        BOM + 'graph [\n node [ id 0 label "a" ]\n node [ id 1 label "b" ]\n'
        " edge [ source 0 target 1 ]\n]\n",
    )
    assert read_nx_file(gml).node_ids == ["a", "b"]


def test_long_lines_in_networkx_text_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge_list, "MAX_LINE_CHARS", 64)
    path = write(tmp_path / "g.edgelist", "a b\n" + "x" * 1000 + "\n")
    with pytest.raises(InputError, match=r"g\.edgelist, line 2: longer than 64 characters"):
        read_nx_file(path)


def test_minus_one_and_missing_labels_are_unlabeled_in_graphml(tmp_path: Path) -> None:
    graph = nx.path_graph(4)
    for node, value in zip(graph.nodes, [0, -1, 1, None], strict=True):
        if value is not None:
            graph.nodes[node]["label"] = value
    parts = read_nx_file(graphml(tmp_path / "g.graphml", graph))
    assert parts.y.tolist() == [0, -1, 1, -1]
    assert parts.class_names == ["0", "1"]
    graph.nodes[1]["label"] = -3
    with pytest.raises(InputError, match=r"g2\.graphml: node 1: label '-3'.*-1 or empty"):
        read_nx_file(graphml(tmp_path / "g2.graphml", graph))


def test_sparse_class_ids_in_graphml_are_compacted(tmp_path: Path) -> None:
    graph = nx.path_graph(3)
    for node, value in zip(graph.nodes, [0, 100_000_000, 0], strict=True):
        graph.nodes[node]["label"] = value
    data = assemble(read_nx_file(graphml(tmp_path / "g.graphml", graph)))
    assert data.y.tolist() == [0, 1, 0]
    assert data.num_classes == 2
    assert data.class_names == ["0", "100000000"]


def test_edge_weights_are_refused_in_every_file_format(tmp_path: Path) -> None:
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=2.5)
    graph.add_edge("b", "c", weight=1.0)
    with pytest.raises(InputError, match=r"g\.graphml: 2 edges carry a 'weight' attribute.*"):
        read_nx_file(graphml(tmp_path / "g.graphml", graph))
    nx.write_gml(graph, tmp_path / "g.gml")
    with pytest.raises(InputError, match=r"g\.gml: 2 edges carry a 'weight'.*unweighted"):
        read_nx_file(tmp_path / "g.gml")
    path = write(tmp_path / "g.edgelist", "a b 2.5\nb c 1\n")
    with pytest.raises(InputError, match=r"g\.edgelist, line 1: expected 2 columns.*unweighted"):
        read_nx_file(path)
    # the same rule as a CSV's third column
    with pytest.raises(InputError, match=r"e\.csv, line 1: expected 2 columns.*unweighted"):
        edge_list.read_edge_list(write(tmp_path / "e.csv", "a,b,2.5\n"))


def test_an_in_memory_graph_with_weights_is_read_and_the_weights_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="gcnlab.data.nx_graph"):
        parts = from_networkx(nx.karate_club_graph(), label="club")
    assert parts.num_nodes == 34
    assert "78 edges carry a 'weight' attribute" in caplog.text


def test_a_folder_named_like_a_graph_file(tmp_path: Path) -> None:
    (tmp_path / "g.graphml").mkdir()
    with pytest.raises(InputError, match=r"g\.graphml is a folder, not a file"):
        read_nx_file(tmp_path / "g.graphml")


def test_text_attributes_name_the_attribute_and_an_example(tmp_path: Path) -> None:
    graph = nx.path_graph(3)
    for node in graph.nodes:
        graph.nodes[node]["f1"] = float(node)
        graph.nodes[node]["colour"] = "red"
        graph.nodes[node]["label"] = node % 2
    with pytest.raises(
        InputError, match=r"g\.graphml: node 0: feature attribute 'colour' holds text \('red'\)"
    ):
        read_nx_file(graphml(tmp_path / "g.graphml", graph), features=["f1", "colour"])
    # without features=, the text attribute is left out and the log names it with an example
    parts = read_nx_file(tmp_path / "g.graphml")
    assert parts.x.shape == (3, 1)
