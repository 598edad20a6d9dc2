"""load_graph: every format on tiny hand-made graphs (values, not shapes), and every bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from gcnlab import DataError, UsageError, load_dataset
from gcnlab.data import limits
from gcnlab.data.export import write_npz
from gcnlab.data.graphs import load_graph

# A triangle a-b-c and a tail c-d, as the readers must return it: both directions, sorted.
TRIANGLE_TAIL = [[0, 0, 1, 1, 2, 2, 2, 3], [1, 2, 0, 2, 0, 1, 3, 2]]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def adjacency(edges: list[tuple[int, int]], n: int) -> dict[str, np.ndarray]:
    import scipy.sparse

    row, col = zip(*edges, strict=True)
    adj = scipy.sparse.csr_matrix((np.ones(len(row)), (row, col)), shape=(n, n))
    return {
        "adj_data": adj.data,
        "adj_indices": adj.indices,
        "adj_indptr": adj.indptr,
        "adj_shape": np.array(adj.shape),
    }


# --- .npz ------------------------------------------------------------------------------------


def test_npz_rules_self_loops_duplicates_directions(tmp_path: Path) -> None:
    # one direction only, a duplicate written as (2, 0), and a self-loop on 3
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 3)]
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    path = npz(
        tmp_path / "g.npz",
        **adjacency(edges, 4),
        attr_matrix=x,
        labels=np.array([0, 1, -1, 1]),
        node_names=np.array(["a", "b", "c", "d"]),
        class_names=np.array(["cats", "dogs"]),
        train_mask=np.array([True, False, True, False]),
        val_mask=np.array([False, True, False, False]),
        test_mask=np.array([False, False, False, True]),
    )
    data = load_graph(path)
    assert data.edge_index.tolist() == TRIANGLE_TAIL
    assert data.x.tolist() == x.tolist() and data.x.dtype == torch.float32
    assert data.y.tolist() == [0, 1, -1, 1] and data.num_classes == 2
    assert data.train_mask.tolist() == [True, False, False, False]  # unlabeled c left out
    assert data.val_mask.tolist() == [False, True, False, False]
    assert data.node_ids == ["a", "b", "c", "d"] and data.class_names == ["cats", "dogs"]
    assert data.name == "g" and data.directed is False


def test_npz_directed_keeps_direction(tmp_path: Path) -> None:
    path = npz(tmp_path / "g.npz", **adjacency([(0, 1), (1, 2), (1, 2)], 3))
    data = load_graph(path, directed=True)
    assert data.edge_index.tolist() == [[0, 1], [1, 2]] and data.directed is True
    assert torch.equal(data.x, torch.eye(3))  # featureless: one-hot ids


def test_npz_sparse_attributes_and_featureless_ones(tmp_path: Path) -> None:
    import scipy.sparse

    attr = scipy.sparse.csr_matrix(np.array([[0, 2.5], [1, 0], [0, 0]], dtype=np.float32))
    path = npz(
        tmp_path / "g.npz",
        **adjacency([(0, 1), (1, 2)], 3),
        attr_data=attr.data,
        attr_indices=attr.indices,
        attr_indptr=attr.indptr,
        attr_shape=attr.shape,
    )
    assert load_graph(path).x.tolist() == [[0, 2.5], [1, 0], [0, 0]]
    plain = npz(tmp_path / "plain.npz", **adjacency([(0, 1), (1, 2)], 3))
    assert load_graph(plain, featureless="ones").x.tolist() == [[1.0], [1.0], [1.0]]


class Trap:
    """Unpickling this would record it: the tests check that nothing ever does."""

    opened: list[str] = []

    def __reduce__(self):  # noqa: ANN204
        return (Trap.opened.append, ("unpickled",))


def test_npz_with_pickled_labels_is_refused_unopened(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    labels = np.array([Trap(), Trap(), Trap()], dtype=object)
    np.savez(path, **adjacency([(0, 1), (1, 2)], 3), labels=labels)
    Trap.opened.clear()
    with pytest.raises(DataError, match=r"evil\.npz: labels holds pickled Python objects"):
        load_graph(path)
    assert Trap.opened == []


def test_npz_pickled_names_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "g.npz"
    np.savez(path, **adjacency([(0, 1), (1, 2)], 3), node_names=np.array([Trap()] * 3))
    Trap.opened.clear()
    with caplog.at_level(logging.WARNING):
        data = load_graph(path)
    assert data.get("node_ids") is None and Trap.opened == []
    assert "node_names holds pickled objects; not loaded" in caplog.text


def test_npz_missing_keys_and_not_npz(tmp_path: Path) -> None:
    path = npz(tmp_path / "g.npz", adj_data=np.ones(2), adj_shape=np.array([2, 2]))
    with pytest.raises(DataError, match=r"g\.npz: missing keys adj_indices, adj_indptr"):
        load_graph(path)
    with pytest.raises(DataError, match=r"bad\.npz: not a readable \.npz archive"):
        load_graph(write(tmp_path / "bad.npz", "not a zip"))


def test_npz_bad_csr_and_bad_labels(tmp_path: Path) -> None:
    arrays = adjacency([(0, 1), (1, 2)], 3)
    arrays["adj_indices"] = np.array([0, 7])  # column 7 of a 3 x 3 matrix
    with pytest.raises(DataError, match="not a valid CSR matrix"):
        load_graph(npz(tmp_path / "csr.npz", **arrays))
    ok = adjacency([(0, 1), (1, 2)], 3)
    with pytest.raises(DataError, match=r"labels must have shape \[3\]"):
        load_graph(npz(tmp_path / "y.npz", **ok, labels=np.array([0, 1])))
    with pytest.raises(DataError, match=r"same class \(0\)"):
        load_graph(npz(tmp_path / "one.npz", **ok, labels=np.array([0, 0, -1])))
    with pytest.raises(DataError, match=r"NaN or infinite values \(first at node 1\)"):
        load_graph(npz(tmp_path / "nan.npz", **ok, attr_matrix=np.array([[1.0], [np.nan], [0.0]])))


def test_npz_empty_graph(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="the graph has no nodes"):
        load_graph(
            npz(
                tmp_path / "none.npz",
                adj_data=np.ones(0),
                adj_indices=np.zeros(0, int),
                adj_indptr=np.zeros(1, int),
                adj_shape=np.array([0, 0]),
            )
        )
    with pytest.raises(DataError, match="has no edges"):
        load_graph(npz(tmp_path / "loops.npz", **adjacency([(0, 0), (1, 1)], 2)))


def test_file_larger_than_memory_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = npz(tmp_path / "g.npz", **adjacency([(0, 1), (1, 2)], 3))
    edges = write(tmp_path / "e.csv", "a,b\nb,c\n")
    monkeypatch.setattr(limits, "available_memory", lambda: 5)
    opened: list[str] = []
    monkeypatch.setattr(np, "load", lambda *a, **k: opened.append("np.load"))
    with pytest.raises(DataError, match=r"g\.npz: the unpacked arrays would take .* only 5 B"):
        load_graph(path)
    with pytest.raises(DataError, match=r"e\.csv: reading the file would take 8 B"):
        load_graph(edges)
    assert opened == []


# --- edge lists --------------------------------------------------------------------------------


def test_csv_string_ids_header_features_labels_split(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "source,target\nb,c\nc,a\n# a comment\n\na,b\nc,d\nd,d\n")
    features = write(tmp_path / "f.csv", "node,x1,x2\nd,1,2\nc,3,4\nb,5,6\na,7,8\n")
    labels = write(
        tmp_path / "l.csv", "node,label,split\na,dog,train\nb,cat,val\nc,,\nd,dog,test\n"
    )
    data = load_graph(edges, features=features, labels=labels)
    assert data.node_ids == ["d", "c", "b", "a"]  # the features file's order
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert data.class_names == ["cat", "dog"] and data.y.tolist() == [1, -1, 0, 1]
    assert data.train_mask.tolist() == [False, False, False, True]
    assert data.val_mask.tolist() == [False, False, True, False]
    assert data.test_mask.tolist() == [True, False, False, False]
    # edges d-c, c-b, c-a, b-a in indices: 0-1, 1-2, 1-3, 2-3, both directions
    assert data.edge_index.tolist() == [[0, 1, 1, 1, 2, 2, 3, 3], [1, 0, 2, 3, 1, 3, 1, 2]]


def test_tsv_and_whitespace_without_header_integer_ids(tmp_path: Path) -> None:
    tsv = load_graph(write(tmp_path / "e.tsv", "10\t20\n20\t30\n"))
    txt = load_graph(write(tmp_path / "e.txt", "10 20\n  20   30  \n"))
    for data in (tsv, txt):
        assert data.node_ids == ["10", "20", "30"]
        assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    directed = load_graph(tmp_path / "e.txt", directed=True)
    assert directed.edge_index.tolist() == [[0, 1], [1, 2]]


def test_labels_numeric_order_and_header_option(tmp_path: Path) -> None:
    edges = write(tmp_path / "e.csv", "1,2\n2,3\n")
    labels = write(tmp_path / "l.csv", "1,10\n2,9\n3,10\n")  # 9 < 10 as numbers, not as text
    data = load_graph(edges, labels=labels)
    assert data.class_names == ["9", "10"] and data.y.tolist() == [1, 0, 1]
    assert not hasattr(data, "train_mask") or data.get("train_mask") is None
    # header=False: "source,target" is an edge between nodes named so
    named = load_graph(write(tmp_path / "h.csv", "source,target\n"), header=False)
    assert named.node_ids == ["source", "target"]


@pytest.mark.parametrize(
    "edges,features,labels,message",
    [
        ("a,b\nb,c,2\n", None, None, r"e\.csv, line 2: expected 2 columns \(source, target\)"),
        (
            "a,b\n",
            "a,1,x\nb,2,3\n",
            None,
            r"f\.csv, line 1: feature 'x' in column 3 is not a number",
        ),
        (
            "a,b\n",
            "n,f\na,1\nb,oops\n",
            None,
            r"f\.csv, line 3: feature 'oops' in column 2 is not a number",
        ),
        ("a,b\n", "a,1\nb,nan\n", None, r"f\.csv, line 2: feature 'nan' in column 2 is NaN"),
        ("a,b\n", "a,1\nb,inf\n", None, r"f\.csv, line 2: .* is NaN or infinite"),
        ("a,b\n", "a,1,2\nb,3\n", None, r"f\.csv, line 2: 2 columns; the first row has 3"),
        ("a,b\nb,c\n", "a,1\nb,2\n", None, r"e\.csv, line 2: node 'c' has no row in"),
        ("a,b\n", "a,1\na,2\n", None, r"f\.csv, line 2: node 'a' is listed twice"),
        ("a,b\n", None, "a,0\nzz,1\n", r"l\.csv, line 2: node 'zz' is not in the graph"),
        ("a,b\n", None, "a,0\nb,0\n", r"same class \(0\)"),
        ("a,b\n", None, "a,0,train\nb,1,later\n", r"l\.csv, line 2: split 'later'"),
        ("source,target\n", None, None, r"e\.csv: the graph has no nodes"),
        ("a,a\n", None, None, r"e\.csv: the graph has no edges"),
        ('a,"b\n', None, None, r"e\.csv, line \d: unexpected end of data"),
    ],
)
def test_edge_list_errors_name_file_and_line(
    tmp_path: Path, edges: str, features: str | None, labels: str | None, message: str
) -> None:
    kwargs = {}
    if features is not None:
        kwargs["features"] = write(tmp_path / "f.csv", features)
    if labels is not None:
        kwargs["labels"] = write(tmp_path / "l.csv", labels)
    with pytest.raises(DataError, match=message):
        load_graph(write(tmp_path / "e.csv", edges), **kwargs)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(b"a,b\n\xff\xfe,c\n")
    with pytest.raises(DataError, match=r"e\.csv: not UTF-8 text"):
        load_graph(path)


# --- networkx ----------------------------------------------------------------------------------


def test_graphml_attributes_become_features_in_natural_order(tmp_path: Path) -> None:
    graph = nx.Graph()
    graph.add_node("p", f10=1.0, f2=2.0, label="x", split="train", title="text")
    graph.add_node("q", f2=3.0, label="y", split="test")
    graph.add_node("r", f10=4.0)  # unlabeled, f2 missing: 0
    graph.add_edges_from([("p", "q"), ("q", "r")])
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    data = load_graph(path)
    assert data.node_ids == ["p", "q", "r"]
    assert data.x.tolist() == [[2.0, 1.0], [3.0, 0.0], [0.0, 4.0]]  # f2 before f10
    assert data.y.tolist() == [0, 1, -1] and data.class_names == ["x", "y"]
    assert data.train_mask.tolist() == [True, False, False]
    assert data.test_mask.tolist() == [False, True, False]
    picked = load_graph(path, features=["f10"])
    assert picked.x.tolist() == [[1.0], [0.0], [4.0]]


def test_gml_label_attribute_and_digraph(tmp_path: Path) -> None:
    graph = nx.DiGraph()
    graph.add_node("a", cls=0, w=1.5)
    graph.add_node("b", cls=1, w=0.5)
    graph.add_node("c", cls=1, w=2.0)
    graph.add_edges_from([("a", "b"), ("b", "c")])
    path = tmp_path / "g.gml"
    nx.write_gml(graph, path)
    data = load_graph(path, label="cls")
    assert data.node_ids == ["a", "b", "c"] and data.y.tolist() == [0, 1, 1]
    assert data.x.tolist() == [[1.5], [0.5], [2.0]]
    assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]  # undirected by default
    assert load_graph(path, label="cls", directed=True).edge_index.tolist() == [[0, 1], [1, 2]]


def test_nx_edgelist_and_adjlist_and_objects(tmp_path: Path) -> None:
    graph = nx.path_graph(["u", "v", "w"])
    nx.write_edgelist(graph, tmp_path / "g.edgelist")  # "u v {}" lines
    nx.write_adjlist(graph, tmp_path / "g.adjlist")
    for path in (tmp_path / "g.edgelist", tmp_path / "g.adjlist"):
        assert load_graph(path).edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    karate = load_graph(nx.karate_club_graph(), label="club")
    assert karate.edge_index.size(1) == 156 and karate.class_names == ["Mr. Hi", "Officer"]
    assert torch.bincount(karate.y).tolist() == [17, 17]


def test_bad_graphml_and_text_feature(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"g\.graphml: not a readable graphml file"):
        load_graph(write(tmp_path / "g.graphml", "<graphml><oops"))
    graph = nx.path_graph(3)
    nx.set_node_attributes(graph, {0: "red", 1: "blue", 2: 3.0}, "color")
    with pytest.raises(DataError, match=r"node 0: feature attribute 'color' holds text \('red"):
        load_graph(graph, features=["color"])


# --- Data objects, dispatch, load_dataset --------------------------------------------------------


def test_data_object_is_normalized_not_modified() -> None:
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 2, 2, 2]])
    source = Data(x=torch.ones(3, 2), edge_index=edge_index, y=torch.tensor([0, 1, 1]))
    data = load_graph(source)
    assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert source.edge_index.tolist() == [[0, 1, 1, 2], [1, 2, 2, 2]]  # untouched
    with pytest.raises(DataError, match="y must hold integer class ids"):
        load_graph(Data(x=torch.ones(2, 1), edge_index=edge_index[:, :1], y=torch.ones(2)))


def test_dispatch_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file: .*missing.csv"):
        load_graph(tmp_path / "missing.csv")
    with pytest.raises(UsageError, match=r"unknown graph format \.xyz"):
        load_graph(write(tmp_path / "g.xyz", "a b\n"))
    with pytest.raises(UsageError, match=r"--labels-file \(labels=\) applies to edge lists only"):
        load_graph(npz(tmp_path / "g.npz", **adjacency([(0, 1)], 2)), labels=tmp_path / "l")
    with pytest.raises(UsageError, match="featureless must be one of identity, ones"):
        load_graph(tmp_path / "g.npz", featureless="zeros")


def test_load_dataset_falls_back_to_load_graph(tmp_path: Path) -> None:
    path = npz(tmp_path / "mine.npz", **adjacency([(0, 1), (1, 2)], 3))
    data = load_dataset(str(path), directed=True)
    assert data.edge_index.tolist() == [[0, 1], [1, 2]] and data.name == "mine"
    with pytest.raises(UsageError, match="cora, citeseer, pubmed, karate, or give a graph file"):
        load_dataset("imagenet")
    with pytest.raises(UsageError, match="karate is an undirected graph"):
        load_dataset("karate", directed=True)


def test_load_graph_reads_the_built_in_names(planetoid_root: Path) -> None:
    """One front door: a name gives exactly what load_dataset gives, options refused alike."""
    for name in ("karate", " Cora "):
        data = load_graph(name, root=planetoid_root)
        same = load_dataset(name, planetoid_root, download=False)
        assert torch.equal(data.x, same.x) and torch.equal(data.edge_index, same.edge_index)
        assert torch.equal(data.y, same.y) and data.name == same.name == name.strip().lower()
    assert load_graph("cora", root=planetoid_root).public_split is True
    with pytest.raises(UsageError, match="karate is an undirected graph; directed=True applies"):
        load_graph("karate", directed=True)
    with pytest.raises(UsageError, match="^label, featureless apply to graph files, not to karate"):
        load_graph("karate", label="club", featureless="ones")


def test_identity_features_refused_for_large_featureless_graphs(tmp_path: Path) -> None:
    n = 20_001
    edges = [(i, i + 1) for i in range(n - 1)]
    path = npz(tmp_path / "big.npz", **adjacency(edges, n))
    with pytest.raises(DataError, match="no node features and 20001 nodes.*featureless='ones'"):
        load_graph(path)
    assert load_graph(path, featureless="ones").x.shape == (n, 1)


# --- specs ---------------------------------------------------------------------------------------


def test_pyg_spec_offline_never_reads_a_processed_cache(tmp_path: Path) -> None:
    """pyg:Amazon/Computers from raw files already in place: PyG processes them afresh; a
    poisoned processed cache beside them is never opened."""
    graph = load_graph(nx.karate_club_graph(), label="club")
    raw = tmp_path / "pyg" / "Amazon" / "Computers" / "raw"
    write_npz(graph, raw / "amazon_electronics_computers.npz")
    processed = raw.parent / "processed"
    processed.mkdir()
    torch.save(Trap(), processed / "data.pt")  # would record itself if unpickled
    Trap.opened.clear()
    data = load_graph("pyg:Amazon/Computers", root=tmp_path)
    assert Trap.opened == []
    assert torch.equal(data.edge_index, graph.edge_index)
    assert torch.equal(data.y, graph.y) and data.name == "pyg:Amazon/Computers"
    assert sorted(p.name for p in processed.iterdir()) == ["data.pt"]  # nothing written there


def test_pyg_spec_refusals(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Twitch/DE: gcnlab reads these PyG datasets"):
        load_graph("pyg:Twitch/DE", root=tmp_path)
    with pytest.raises(UsageError, match="write it as pyg:Amazon/<name>"):
        load_graph("pyg:Amazon", root=tmp_path)


def test_pyg_planetoid_spec_uses_the_verified_reader(planetoid_root: Path) -> None:
    data = load_graph("pyg:Planetoid/cora", root=planetoid_root)
    cora = load_dataset("cora", planetoid_root, download=False)
    assert torch.equal(data.x, cora.x) and torch.equal(data.y, cora.y)
    assert torch.equal(data.train_mask, cora.train_mask)


def test_ogb_without_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ogb" else real(name, *a)
    )
    with pytest.raises(UsageError, match=r"need the optional package ogb.*gcnlab\[ogb\]"):
        load_graph("ogb:ogbn-arxiv", root=tmp_path)


def test_ogb_folder_reader(tmp_path: Path) -> None:
    import gzip

    from gcnlab.data.graph_parts import assemble
    from gcnlab.data.specs import read_ogb_folder

    def gz(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt") as f:
            f.write(text)

    gz(tmp_path / "raw" / "edge.csv.gz", "0,1\n1,2\n2,3\n")
    gz(tmp_path / "raw" / "num-node-list.csv.gz", "4\n")
    gz(tmp_path / "raw" / "node-feat.csv.gz", "0.5,1\n1.5,2\n2.5,3\n3.5,4\n")
    gz(tmp_path / "raw" / "node-label.csv.gz", "0\n1\nnan\n1\n")
    for part, ids in (("train", "0\n1\n"), ("valid", "2\n"), ("test", "3\n")):
        gz(tmp_path / "split" / "time" / f"{part}.csv.gz", ids)
    data = assemble(read_ogb_folder(tmp_path, "time", "ogb:test"))
    assert data.x.tolist() == [[0.5, 1], [1.5, 2], [2.5, 3], [3.5, 4]]
    assert data.y.tolist() == [0, 1, -1, 1]
    assert data.train_mask.tolist() == [True, True, False, False]
    assert data.val_mask.tolist() == [False, False, False, False]  # node 2 is unlabeled
    assert data.edge_index.size(1) == 6
