"""``load_graph(source)``: the front door for every graph, as a PyG ``Data``.

=====================================  ==================================================
source                                 read by
=====================================  ==================================================
``cora``, ``citeseer``, ``pubmed``,    :mod:`gcnlab.data.builtin` (digest-checked
``karate``                             Planetoid files, networkx's karate club)
``*.npz``                              :mod:`gcnlab.data.npz` (GNN-benchmark layout)
``*.csv``, ``*.tsv``, ``*.tab``,       :mod:`gcnlab.data.edge_list` (with ``features=``
``*.txt``, ``*.edges``                 and ``labels=`` files)
``*.graphml``, ``*.xml``, ``*.gml``,   :mod:`gcnlab.data.nx_graph` (networkx)
``*.edgelist``, ``*.adjlist``
``pyg:Class[/name]``, ``ogb:name``     :mod:`gcnlab.data.specs`
``networkx.Graph``                     :mod:`gcnlab.data.nx_graph`
``torch_geometric.data.Data``          :func:`gcnlab.data.graph_parts.from_data`
=====================================  ==================================================

Whatever the source other than a built-in name, :func:`gcnlab.data.graph_parts.assemble` applies
the same rules (self-loops dropped, undirected unless ``directed=True``, duplicates merged,
``-1`` for unlabeled nodes).
The formats, columns and rules are in docs/data.md.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import networkx as nx
from torch_geometric.data import Data

from gcnlab.data.builtin import read_dataset, resolve_root
from gcnlab.data.edge_list import read_edge_list
from gcnlab.data.graph_parts import GraphParts, assemble, from_data
from gcnlab.data.limits import check_is_file
from gcnlab.data.npz import read_npz
from gcnlab.data.nx_graph import from_networkx, read_nx_file
from gcnlab.data.sources import EDGE_LIST_SUFFIXES, NX_SUFFIXES, is_dataset_name, is_spec
from gcnlab.data.specs import load_spec
from gcnlab.errors import UsageError

GraphSource = str | os.PathLike[str] | Data | nx.Graph


def load_graph(
    source: GraphSource,
    *,
    directed: bool = False,
    features: str | os.PathLike[str] | list[str] | None = None,
    labels: str | os.PathLike[str] | None = None,
    label: str = "label",
    header: bool | None = None,
    featureless: str = "identity",
    root: str | os.PathLike[str] | None = None,
) -> Data:
    """Load a graph for node classification or link prediction.

    Args:
        source: a built-in dataset name (``cora``, ``citeseer``, ``pubmed``, ``karate``: read
            as :func:`~gcnlab.data.datasets.load_dataset` reads it, the other options refused),
            a file path (the suffix picks the reader, table above), a spec
            (``pyg:Amazon/Computers``, ``pyg:WikiCS``, ``ogb:ogbn-arxiv``), a ``networkx`` graph
            or a PyG ``Data``.
        directed (bool, optional): keep each edge as given (messages flow source to target);
            otherwise every edge is used in both directions. (default: :obj:`False`)
        features (path or list of str, optional): edge lists: the node-features file; networkx
            sources: the node attributes to use as features, in order. (default: :obj:`None`:
            no features file; every numeric attribute)
        labels (path, optional): edge lists: the labels file (``node, label[, split]``).
            (default: :obj:`None`)
        label (str, optional): networkx sources: the node attribute holding the class.
            (default: ``"label"``)
        header (bool, optional): edge lists: whether each file's first line is a header.
            (default: :obj:`None`: detected, see :mod:`gcnlab.data.edge_list`)
        featureless (str, optional): features of a graph without any: ``"identity"`` (one-hot
            ids, up to 20,000 nodes) or ``"ones"``. (default: ``"identity"``)
        root (path, optional): data root for names and specs (default: ``$GCNLAB_DATA`` or
            ``./datasets``).

    Returns:
        For a name, what :func:`~gcnlab.data.datasets.load_dataset` returns; otherwise
        ``Data`` with ``x`` ``[N, F]``, ``edge_index`` ``[2, E]`` (sorted, no duplicates or
        self-loops), ``y`` ``[N]`` (``-1``: unlabeled) and ``num_classes`` if labeled, the
        source's ``train_mask``/``val_mask``/``test_mask`` if it has a split, ``node_ids`` (the
        input's id of each node, or ``None`` for ``0..N-1``), ``class_names``, ``directed`` and
        ``name``.

    Raises:
        UsageError: unknown suffix or spec, a file that does not exist, options that do not
            apply to the source. DataError: a file that cannot be read as its format (the
            message names the file, and the line for text formats).
    """
    if isinstance(source, str) and is_dataset_name(source):
        given = {
            "directed": directed,
            "features": features,
            "labels": labels,
            "label": label,
            "header": header,
            "featureless": featureless,
        }
        options = {k: v for k, v in given.items() if v != _DEFAULTS[k]}
        return read_dataset(source, root, **options)
    parts = _read(source, features=features, labels=labels, label=label, header=header, root=root)
    data = assemble(parts, directed=directed, featureless=featureless)
    data.name = _name(source)
    return data


def _read(source: GraphSource, *, features, labels, label, header, root) -> GraphParts:  # noqa: ANN001
    if isinstance(source, Data):
        _only(source, features=features, labels=labels)
        return from_data(source)
    if isinstance(source, nx.Graph):
        _only(source, labels=labels)
        return from_networkx(
            source, label=label, features=_names(features), source="networkx graph"
        )
    if isinstance(source, str) and is_spec(source):
        _only(source, features=features, labels=labels)
        return load_spec(source, resolve_root(root))
    path = Path(source).expanduser()
    if path.is_dir():
        check_is_file(path)  # a folder is called a folder
    if not path.is_file():
        raise UsageError(
            f"no such file: {path} (a graph is a file path, a spec such as "
            "pyg:Amazon/Computers or ogb:ogbn-arxiv, or a dataset name)"
        )
    suffix = path.suffix.lower()
    if suffix == ".npz":
        _only(path, features=features, labels=labels)
        return read_npz(path)
    if suffix in EDGE_LIST_SUFFIXES:
        if isinstance(features, list):
            raise UsageError("features= for an edge list is the features file, not a list")
        return read_edge_list(
            path,
            header=header,
            features=None if features is None else _file(features),
            labels=None if labels is None else _file(labels),
        )
    if suffix in NX_SUFFIXES:
        _only(path, labels=labels)
        return read_nx_file(path, label=label, features=_names(features))
    raise UsageError(
        f"{path}: unknown graph format {suffix or '(no suffix)'}; gcnlab reads "
        f".npz, {', '.join(EDGE_LIST_SUFFIXES)} (edge lists) and "
        f"{', '.join(NX_SUFFIXES)} (networkx)"
    )


_DEFAULTS = {
    name: param.default
    for name, param in inspect.signature(load_graph).parameters.items()
    if param.kind is inspect.Parameter.KEYWORD_ONLY
}


def _only(source: object, **given: object) -> None:
    """Refuse options that the source's format has no use for (rather than ignore them)."""
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        what = source if isinstance(source, (str, Path)) else type(source).__name__
        # the command line's spelling first: that is what a user of `gcnlab` typed
        named = ", ".join(f"{_FLAGS.get(name, name)} ({name}=)" for name in extra)
        raise UsageError(
            f"{what}: {named} applies to edge lists only"
            if "labels" in extra
            else f"{what}: {named} does not apply to this source"
        )


# load_graph's keyword -> the command-line option that sets it
_FLAGS = {"features": "--features-file", "labels": "--labels-file"}


def _file(path: str | os.PathLike[str]) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        check_is_file(path)  # a folder is called a folder
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    return path


def _names(features: object) -> list[str] | None:
    if features is None or isinstance(features, list):
        return features
    raise UsageError("features= for a networkx source is a list of node attribute names")


def _name(source: GraphSource) -> str:
    if isinstance(source, (Data, nx.Graph)):
        return type(source).__name__
    text = os.fspath(source)
    return text if is_spec(text) else Path(text).stem
