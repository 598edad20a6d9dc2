"""What a graph source is: a built-in dataset name, a graph file (by suffix) or a spec.

:func:`~gcnlab.data.graphs.load_graph` reads every kind; this module only tells them apart, so
that the readers, the configs and the CLI can ask without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gcnlab.errors import UsageError


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    needs_files: bool  # False: ships inside a package


DATASETS: dict[str, DatasetInfo] = {
    "cora": DatasetInfo("cora", "Planetoid citation graph: 2708 papers, 7 classes", True),
    "citeseer": DatasetInfo("citeseer", "Planetoid citation graph: 3327 papers, 6 classes", True),
    "pubmed": DatasetInfo("pubmed", "Planetoid citation graph: 19717 papers, 3 classes", True),
    "karate": DatasetInfo(
        "karate", "Zachary's karate club (networkx): 34 members, 2 factions", False
    ),
}

SPEC_PREFIXES = ("pyg:", "ogb:")
EDGE_LIST_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".edges")
NX_SUFFIXES = (".graphml", ".xml", ".gml", ".edgelist", ".adjlist")
GRAPH_SUFFIXES = (".npz", *EDGE_LIST_SUFFIXES, *NX_SUFFIXES)


def is_spec(source: str) -> bool:
    """``source`` names a graph by spec: ``pyg:Class[/name]`` or ``ogb:name``."""
    return source.lower().startswith(SPEC_PREFIXES)


def is_dataset_name(source: str) -> bool:
    """``source`` is one of :data:`DATASETS` (names win over a file of the same name)."""
    return source.strip().lower() in DATASETS


def check_name(name: str) -> str:
    """The built-in dataset's key (``" Cora "`` gives ``"cora"``).

    Raises:
        UsageError: not one of :data:`DATASETS`; the message lists them and the other sources.
    """
    key = name.strip().lower()
    if key not in DATASETS:
        raise UsageError(
            f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}, "
            "or give a graph file (.npz, .csv, .graphml, ...) or a spec "
            "(pyg:Amazon/Computers, ogb:ogbn-arxiv)"
        )
    return key


def is_graph_source(name: str) -> bool:
    """``name`` means a file or spec for :func:`~gcnlab.data.graphs.load_graph`, not one of
    :data:`DATASETS`: a spec, an existing file, or a path with a graph file's suffix."""
    if is_dataset_name(name):
        return False
    path = Path(name).expanduser()
    return is_spec(name) or path.is_file() or path.suffix.lower() in GRAPH_SUFFIXES
